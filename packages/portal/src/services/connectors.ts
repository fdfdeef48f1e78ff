// Connectors for admins (DESIGN §9): list, create, read, edit (settings merge, the stored secret
// kept unless a new one comes), delete, Test connection (saved or not; nothing stored) and Sync now.
// Settings are checked by the type's schema; the secret is sealed with the portal's key, never returned.
import {
  CONNECTOR_DEFAULTS,
  CONNECTOR_SETTINGS_SCHEMAS,
  secretFieldFor,
  type Connector,
  type ConnectorInput,
  type ConnectorPatch,
  type ConnectorSecret,
  type ConnectorTestResult,
  type ConnectorType,
  type connectorInputSchema,
} from '@cloudsiem/protocol';
import type { z } from 'zod';
import type { PortalContext } from '../context.ts';
import { ApiError, badRequest } from '../errors.ts';
import { newId } from '../auth/secrets.ts';
import type { SecretBox } from '../auth/secret-box.ts';
import type { DefinitionLookup } from '../connectors/scheduler.ts';
import type { UpstreamNetwork } from '../connectors/runtime.ts';
import { connectorStatus } from '../connectors/status.ts';
import { testConnection } from '../connectors/test-connection.ts';
import {
  creatorEmails,
  deleteConnector,
  getConnector,
  insertConnector,
  latestConnectorNotifications,
  listConnectors,
  listRejections,
  listStreams,
  recordsSince,
  requestSync,
  updateConnectorConfig,
  type ConnectorRow,
} from '../store/connectors.ts';

export const SECRET_KEY_MISSING_MESSAGE =
  'the portal has no secret key to keep connector secrets with: start it with --secret-key-file FILE or CLOUDSIEM_SECRET_KEY';
const NOTIFICATIONS_SHOWN = 10;
const RATE_WINDOW_MINUTES = 5;

export interface ConnectorServiceDeps {
  /** Null when the portal has no secret key: connectors are listed but not saved, tested or run. */
  box: SecretBox | null;
  definitions: DefinitionLookup;
  network?: UpstreamNetwork;
  /** Tells the scheduler that something changed (an edit, "Sync now"). */
  wake(): void;
}

type ParsedInput = z.output<typeof connectorInputSchema>;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** JSON merge patch (RFC 7396): objects merge, null removes a key, anything else replaces. */
export function mergeSettings(base: Record<string, unknown>, patch: Record<string, unknown>) {
  const merged: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete merged[key];
    else {
      const current = merged[key];
      merged[key] = isPlainObject(value) && isPlainObject(current) ? mergeSettings(current, value) : value;
    }
  }
  return merged;
}

function secretHint(now: number): string {
  return `set ${new Date(now).toISOString().slice(0, 10)}`;
}

export function createConnectorService(context: PortalContext, deps: ConnectorServiceDeps) {
  const { store, clock, logger, settings: portal } = context;
  const { db } = store;

  function requireBox(): SecretBox {
    if (deps.box === null) throw new ApiError('SECRET_KEY_MISSING', SECRET_KEY_MISSING_MESSAGE);
    return deps.box;
  }

  function schemaOf(type: ConnectorType): z.ZodType {
    return deps.definitions(type)?.settingsSchema ?? CONNECTOR_SETTINGS_SCHEMAS[type];
  }

  /** The type's settings with defaults, or 400 naming each problem as `settings.<path>: message`. */
  function parseSettings(type: ConnectorType, settings: Record<string, unknown>): Record<string, unknown> {
    const parsed = schemaOf(type).safeParse(settings);
    if (!parsed.success) throw badRequest('settings', parsed.error.issues);
    return parsed.data as Record<string, unknown>;
  }

  /** The one secret field the type takes with these settings, or 400 naming it. */
  function checkSecret(type: ConnectorType, settings: Record<string, unknown>, secret: ConnectorSecret) {
    const field = secretFieldFor(type, settings);
    if (secret[field] === undefined) {
      const other = field === 'token' ? 'clientSecret' : 'token';
      throw badRequest('secret', [
        { path: [other], message: `this connector takes secret.${field}, not secret.${other}` },
      ]);
    }
    return { field, value: secret[field] };
  }

  async function present(rows: ConnectorRow[]): Promise<Connector[]> {
    const ids = rows.map((r) => r.id);
    const now = clock.now();
    const [streams, rates, notes, creators] = await Promise.all([
      listStreams(db, ids),
      recordsSince(db, ids, now - (RATE_WINDOW_MINUTES - 1) * 60_000),
      latestConnectorNotifications(db, ids, NOTIFICATIONS_SHOWN),
      creatorEmails(db, [...new Set(rows.map((r) => r.created_by))]),
    ]);
    const problem = deps.box === null ? SECRET_KEY_MISSING_MESSAGE : null;
    return rows.map((row) => {
      const settings = JSON.parse(row.settings) as Record<string, unknown>;
      const pollSeconds =
        typeof settings.pollSeconds === 'number' ? settings.pollSeconds : CONNECTOR_DEFAULTS.pollSeconds;
      const { status, statusDetail } = connectorStatus(row, pollSeconds, now, problem);
      return {
        id: row.id,
        name: row.name,
        type: row.type as ConnectorType,
        enabled: row.enabled === 1,
        settings,
        secretSet:
          row.secret_enc === null
            ? null
            : { field: row.secret_field as 'clientSecret' | 'token', hint: row.secret_hint },
        status,
        statusDetail,
        createdBy: creators.get(row.created_by) ?? row.created_by,
        createdAt: row.created_at,
        updatedAt: row.updated_at,
        lastPollAt: row.last_poll_at,
        lastSuccessAt: row.last_success_at,
        lastError:
          row.last_error_code === null
            ? null
            : {
                code: row.last_error_code,
                message: row.last_error_message ?? '',
                at: row.last_error_at ?? row.last_poll_at ?? 0,
              },
        newestRecordAt: row.newest_record_at,
        recordsStored: Number(row.records_stored),
        recordsRejected: Number(row.records_rejected),
        recordsPerMinute: (rates.get(row.id) ?? 0) / RATE_WINDOW_MINUTES,
        throttledUntil: row.throttled_until,
        streams: streams
          .filter((s) => s.connector_id === row.id)
          .map((s) => ({
            stream: s.stream,
            dataType: s.data_type as 'activities' | 'alerts',
            position: s.position,
            lastPollAt: s.last_poll_at,
            recordsStored: Number(s.records_stored),
          })),
        notifications: notes
          .filter((n) => n.connector_id === row.id)
          .map((n) => ({
            id: n.id,
            code: n.code,
            message: n.message,
            firstAt: n.first_at,
            lastAt: n.last_at,
            count: n.count,
            resolvedAt: n.resolved_at,
          })),
      };
    });
  }

  async function rowOf(id: string): Promise<ConnectorRow> {
    const row = await getConnector(db, id);
    if (row === null) throw new ApiError('NOT_FOUND', `no connector ${id}`);
    return row;
  }

  async function get(id: string): Promise<Connector> {
    const [connector] = await present([await rowOf(id)]);
    if (connector === undefined) throw new ApiError('NOT_FOUND', `no connector ${id}`);
    return connector;
  }

  async function runTest(
    type: ConnectorType,
    settings: Record<string, unknown>,
    secret: ConnectorSecret,
  ): Promise<ConnectorTestResult> {
    const definition = deps.definitions(type);
    if (definition === undefined)
      throw new ApiError('CONFLICT', `this portal has no connector type "${type}" yet`);
    return testConnection(definition, settings as never, secret, {
      clock,
      logger,
      publicUrl: portal.publicUrl,
      initialLookbackMs: portal.backfillHours * 3600_000,
      ...(deps.network === undefined ? {} : { network: deps.network }),
      ...(context.shutdown === undefined ? {} : { signal: context.shutdown }),
    });
  }

  function openSecret(row: ConnectorRow): ConnectorSecret {
    const box = requireBox();
    if (row.secret_enc === null)
      throw new ApiError('CONFLICT', 'the connector has no secret; enter it again');
    try {
      return JSON.parse(box.open(row.secret_enc, row.id)) as ConnectorSecret;
    } catch (error) {
      throw new ApiError(
        'CONFLICT',
        error instanceof Error ? error.message : 'the stored secret is unreadable',
      );
    }
  }

  return {
    async list(): Promise<Connector[]> {
      return present(await listConnectors(db));
    },
    get,

    async create(adminId: string, input: ParsedInput): Promise<Connector> {
      const box = requireBox();
      const settings = parseSettings(input.type, input.settings);
      const secret = checkSecret(input.type, settings, input.secret);
      const id = newId();
      const now = clock.now();
      await insertConnector(db, {
        id,
        name: input.name,
        type: input.type,
        enabled: input.enabled ? 1 : 0,
        settings: JSON.stringify(settings),
        secret_enc: box.seal(JSON.stringify({ [secret.field]: secret.value }), id),
        secret_field: secret.field,
        secret_hint: secretHint(now),
        created_by: adminId,
        created_at: now,
        updated_at: now,
        deleted_at: null,
        lease_owner: null,
        lease_until: null,
        sync_requested_at: null,
        last_poll_at: null,
        last_success_at: null,
        last_error_code: null,
        last_error_message: null,
        last_error_at: null,
        failing_since: null,
        throttled_until: null,
        newest_record_at: null,
        records_stored: 0,
        records_rejected: 0,
        config_version: 1,
      });
      logger.info({ connectorId: id, connectorType: input.type, adminId }, 'Connector created');
      deps.wake();
      return get(id);
    },

    async update(id: string, patch: ConnectorPatch): Promise<Connector> {
      const row = await rowOf(id);
      const type = row.type as ConnectorType;
      const settings = parseSettings(
        type,
        mergeSettings(JSON.parse(row.settings) as Record<string, unknown>, patch.settings ?? {}),
      );
      const now = clock.now();
      let sealed: Pick<ConnectorRow, 'secret_enc' | 'secret_field' | 'secret_hint'> | null = null;
      if (patch.secret !== undefined) {
        const box = requireBox();
        const secret = checkSecret(type, settings, patch.secret);
        sealed = {
          secret_enc: box.seal(JSON.stringify({ [secret.field]: secret.value }), id),
          secret_field: secret.field,
          secret_hint: secretHint(now),
        };
      } else {
        const field = secretFieldFor(type, settings);
        if (field !== row.secret_field)
          throw badRequest('secret', [{ path: [field], message: `these settings need secret.${field}` }]);
      }
      const found = await updateConnectorConfig(
        db,
        id,
        {
          ...(patch.name === undefined ? {} : { name: patch.name }),
          ...(patch.enabled === undefined ? {} : { enabled: patch.enabled ? 1 : 0 }),
          settings: JSON.stringify(settings),
          ...(sealed ?? {}),
        },
        now,
      );
      if (!found) throw new ApiError('NOT_FOUND', `no connector ${id}`);
      logger.info(
        { connectorId: id, secretReplaced: sealed !== null, enabled: patch.enabled ?? null },
        'Connector edited',
      );
      deps.wake();
      return get(id);
    },

    async remove(id: string): Promise<void> {
      if (!(await deleteConnector(db, id, clock.now())))
        throw new ApiError('NOT_FOUND', `no connector ${id}`);
      logger.info({ connectorId: id }, 'Connector deleted');
      deps.wake();
    },

    /** Test connection of a saved connector: its stored settings and secret, nothing stored. */
    async test(id: string): Promise<ConnectorTestResult> {
      const row = await rowOf(id);
      const secret = openSecret(row);
      return runTest(row.type as ConnectorType, JSON.parse(row.settings) as Record<string, unknown>, secret);
    },

    /** Test connection of an unsaved connector (the wizard's): nothing stored, so no key needed. */
    async testUnsaved(input: ConnectorInput & { type: ConnectorType }): Promise<ConnectorTestResult> {
      const settings = parseSettings(input.type, input.settings);
      const secret = checkSecret(input.type, settings, input.secret);
      return runTest(input.type, settings, { [secret.field]: secret.value });
    },

    /** "Sync now": whichever portal holds the lease polls it at its next tick, pollSeconds or not. */
    async sync(id: string): Promise<Connector> {
      requireBox();
      const row = await rowOf(id);
      if (row.enabled !== 1) throw new ApiError('CONFLICT', 'the connector is disabled; enable it first');
      await requestSync(db, id, clock.now());
      deps.wake();
      return get(id);
    },

    async rejections(id: string, limit = 100) {
      await rowOf(id);
      return (await listRejections(db, id, limit)).map((r) => ({
        stream: r.stream,
        upstreamId: r.upstream_id,
        reason: r.reason,
        at: r.at,
      }));
    },
  };
}

export type ConnectorService = ReturnType<typeof createConnectorService>;
