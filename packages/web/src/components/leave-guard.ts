// Keeps an admin from losing work by leaving the page: while a guard is on (a wizard with unsaved
// edits, a token shown once), a hash change it does not allow (browser Back, a typed or pasted URL)
// is undone before the page sees it and the guard is told where the admin wanted to go, to ask
// first; a refresh or closing the tab gets the browser's own question (the only one it allows).
import { useEffect, useRef } from 'react';
import { navigate } from '../hooks.ts';

interface Guard {
  allows: (hash: string) => boolean;
  onBlocked: (hash: string) => void;
}

let active: Guard | null = null;
/** The hash the page shows: where an undone hash change goes back to. */
let shown = window.location.hash;

// Registered when the UI's modules load, before React subscribes to the hash (useRoute), and in
// the capture phase, so a refused change can be stopped before any page renders it.
window.addEventListener(
  'hashchange',
  (event) => {
    const next = window.location.hash;
    if (active !== null && next !== shown && !active.allows(next)) {
      event.stopImmediatePropagation();
      window.history.replaceState(window.history.state, '', shown);
      active.onBlocked(next);
      return;
    }
    shown = next;
  },
  true,
);

function askBeforeUnload(event: BeforeUnloadEvent): void {
  event.preventDefault();
  // Older Chromium shows its question only with returnValue set.
  event.returnValue = '';
}

/**
 * While `enabled`, hash changes `allows` refuses are undone and reported to `onBlocked` with the
 * hash the admin wanted, and the browser asks before a refresh or close.
 */
export function useLeaveGuard(
  enabled: boolean,
  allows: (hash: string) => boolean,
  onBlocked: (hash: string) => void,
): void {
  const allowsRef = useRef(allows);
  allowsRef.current = allows;
  const blockedRef = useRef(onBlocked);
  blockedRef.current = onBlocked;
  useEffect(() => {
    if (!enabled) return;
    const guard: Guard = {
      allows: (hash) => allowsRef.current(hash),
      onBlocked: (hash) => blockedRef.current(hash),
    };
    active = guard;
    window.addEventListener('beforeunload', askBeforeUnload);
    return () => {
      if (active === guard) active = null;
      window.removeEventListener('beforeunload', askBeforeUnload);
    };
  }, [enabled]);
}

/** Goes to `hash` past any guard (the admin confirmed), in place of the current history entry. */
export function leaveTo(hash: string): void {
  active = null;
  window.removeEventListener('beforeunload', askBeforeUnload);
  navigate(hash, { replace: true });
}
