// The add-agent wizard's "Edit and preview results" (DESIGN §7): how many stored events a filter
// matches, the newest of them, and the exact CEF lines the SIEM would receive for them, rendered
// with packages/cef and the agent's format settings, as the agent would.
import { createActivityEncoder, createAlertEncoder, type CefActivity, type CefAlert } from '@cloudsiem/cef';
import { toCefSettings, type PreviewRequest, type PreviewResponse } from '@cloudsiem/protocol';
import type { PortalContext } from '../context.ts';
import { listEvents } from '../store/events.ts';

/** Stands in for the agent's host name when "Include system name" is on and no agent ran yet. */
export const PREVIEW_SYSTEM_NAME = 'siem-agent-host';

export function createPreviewService({ store, settings }: PortalContext) {
  return {
    async preview(request: PreviewRequest, systemName = PREVIEW_SYSTEM_NAME): Promise<PreviewResponse> {
      const { data, total } = await listEvents(store.db, store.ops, request.dataType, {
        filter: request.filter ?? {},
        sortField: 'createdAt',
        sortDirection: 'desc',
        skip: 0,
        limit: request.limit,
      });
      const events = data.map((d) => JSON.parse(d) as Record<string, unknown>);
      const cef = toCefSettings(request.format, { systemName, portalUrl: settings.publicUrl });
      let cefLines: string[];
      if (request.dataType === 'activities') {
        const encode = createActivityEncoder(cef);
        cefLines = events.map((e) => encode(e as unknown as CefActivity));
      } else {
        const encode = createAlertEncoder(cef);
        cefLines = events.map((e) => encode(e as unknown as CefAlert));
      }
      return { dataType: request.dataType, total, events, cefLines };
    },
  };
}
