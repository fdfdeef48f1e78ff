// A run of the SIEM agent wizard (adding: #/siem-agents/new/<step>; editing:
// #/siem-agents/<id>/edit/<step>), kept across its step routes: each run has an id, stored in the
// history entries of its steps (history.state), so a refresh finds the run's draft again in
// sessionStorage and Back into a run that ended (created, saved or discarded) is not an editable
// wizard again. The token is never stored: it lives only in the wizard while the token step is open.
import { hashOf, parseHash, type EditAgentStep, type NewAgentStep } from '../../routes.ts';

/** Which wizard: adding an agent, or editing the one with this id. */
export type WizardKind = { adding: true } | { adding: false; agentId: string };
export type WizardStep = NewAgentStep | EditAgentStep;

const DRAFT_KEYS = { adding: 'cloudsiem.new-siem-agent.draft', editing: 'cloudsiem.edit-siem-agent.draft' };
const ENDED_KEY = 'cloudsiem.new-siem-agent.ended';
/** How many ended runs are remembered: more than any history an admin goes Back through. */
const ENDED_KEPT = 50;

interface RunState {
  wizardRun: string;
  /** The step this entry was pushed from (Next), so the wizard's Back button can go Back to it. */
  from?: WizardStep;
  /** Editing: the page the wizard was opened over (the list or the details), where it closes to. */
  origin?: string;
}

const state = () => window.history.state as Partial<RunState> | null;

/** The run of the history entry the page shows, if it is a wizard step's. */
export function currentRun(): string | null {
  const run = state()?.wizardRun;
  return typeof run === 'string' ? run : null;
}

/** The step the current history entry was pushed from, if a wizard step pushed it. */
export function cameFrom(): WizardStep | null {
  return state()?.from ?? null;
}

/** Editing: the page the run was opened from, if it was opened from one. */
export function runOrigin(): string | null {
  const origin = state()?.origin;
  return typeof origin === 'string' ? origin : null;
}

function newRunId(): string {
  // Not crypto.randomUUID: a portal over plain HTTP is no secure context, where it is missing.
  return `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
}

/** Marks the current history entry as a step of a new run (the wizard opened from a link or a URL). */
export function startRun(): string {
  const run = newRunId();
  window.history.replaceState({ wizardRun: run } satisfies RunState, '', window.location.hash);
  return run;
}

/** The hash of a step of this wizard. */
export function stepHash(kind: WizardKind, step: WizardStep): string {
  return kind.adding
    ? hashOf({ page: 'siem-agents', newAgent: step })
    : hashOf({ page: 'siem-agent', id: kind.agentId, editStep: step as EditAgentStep });
}

/** The step `hash` shows of this wizard, or null when it is no step of it. */
export function stepOfHash(kind: WizardKind, hash: string): WizardStep | null {
  const route = parseHash(hash);
  if (kind.adding) return route.page === 'siem-agents' ? (route.newAgent ?? null) : null;
  return route.page === 'siem-agent' && route.id === kind.agentId ? (route.editStep ?? null) : null;
}

/** Add SIEM agent: a new run's first step, as a new history entry after the page it opens over. */
export function openNewRun(): void {
  goToStep(newRunId(), { adding: true }, 'general');
}

/** Edit: a new run's first step over the agent's details, closing back to the page it came from. */
export function openEditRun(agentId: string): void {
  goToStep(newRunId(), { adding: false, agentId }, 'general', { origin: window.location.hash || '#/' });
}

/**
 * Goes to `step` of `run` as a new history entry, so Back returns to the step before. `origin`:
 * where the run closes to (a new edit run); later steps carry the current entry's on.
 */
export function goToStep(
  run: string,
  kind: WizardKind,
  step: WizardStep,
  { replace = false, origin = runOrigin() ?? undefined }: { replace?: boolean; origin?: string } = {},
): void {
  const hash = stepHash(kind, step);
  const from = stepOfHash(kind, window.location.hash) ?? undefined;
  if (replace) window.history.replaceState({ ...state(), wizardRun: run }, '', hash);
  else window.history.pushState({ wizardRun: run, from, origin } satisfies RunState, '', hash);
  // pushState and replaceState announce nothing: the page follows the hash through this event.
  window.dispatchEvent(new HashChangeEvent('hashchange'));
}

function read<T>(key: string): T | null {
  try {
    const text = window.sessionStorage.getItem(key);
    return text === null ? null : (JSON.parse(text) as T);
  } catch {
    return null;
  }
}

function write(key: string, value: unknown): void {
  try {
    window.sessionStorage.setItem(key, JSON.stringify(value));
  } catch {
    // Storage full or refused (a private window): the draft then lives only in memory.
  }
}

const draftKey = (kind: WizardKind) => (kind.adding ? DRAFT_KEYS.adding : DRAFT_KEYS.editing);

/** The draft `run` left in this tab, if any. */
export function savedDraft<T>(run: string, kind: WizardKind): T | null {
  const saved = read<{ run: string; draft: T }>(draftKey(kind));
  return saved?.run === run ? saved.draft : null;
}

export function saveDraft(run: string, kind: WizardKind, draft: unknown): void {
  write(draftKey(kind), { run, draft });
}

/** The run is over (its agent created or saved, or discarded): its draft goes, its steps do not reopen. */
export function endRun(run: string, kind: WizardKind): void {
  window.sessionStorage.removeItem(draftKey(kind));
  const ended = read<string[]>(ENDED_KEY) ?? [];
  write(ENDED_KEY, [...ended.filter((r) => r !== run), run].slice(-ENDED_KEPT));
}

export function runEnded(run: string): boolean {
  return (read<string[]>(ENDED_KEY) ?? []).includes(run);
}
