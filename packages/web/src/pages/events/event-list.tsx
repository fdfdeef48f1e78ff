// What the Activity log and Alerts pages share: the filter builder (its filter kept in the URL),
// the paged table, newest first (POST /activities or /alerts with filters, skip, limit, sort), and
// the detail drawer with the record and the exact CEF line an agent with default settings sends.
import type { DataType, Filter } from '@cloudsiem/protocol';
import { useEffect, useState, type ReactNode } from 'react';
import { api, type StoredEvent } from '../../api.ts';
import { Dialog } from '../../components/dialog.tsx';
import { FilterBuilder } from '../../components/filter-builder.tsx';
import { FormField } from '../../components/form-field.tsx';
import { ExactTime, RelativeTime } from '../../components/relative-time.tsx';
import { Table, type Column } from '../../components/table.tsx';
import { filterToRows, rowsToFilter, type FilterRow } from '../../filters.ts';
import { useLoad } from '../../hooks.ts';

const PAGE_SIZES = [25, 50, 100, 200] as const;

export function EventFilters({
  dataType,
  filter,
  onApply,
}: {
  dataType: DataType;
  filter: Filter;
  onApply: (filter: Filter) => void;
}) {
  const key = JSON.stringify(filter);
  const [rows, setRows] = useState<FilterRow[]>(() => filterToRows(dataType, filter));
  const [errors, setErrors] = useState<Record<number, string>>({});
  // A new filter from the URL (a link, back/forward) replaces what is in the builder.
  useEffect(() => {
    setRows(filterToRows(dataType, JSON.parse(key) as Filter));
    setErrors({});
  }, [dataType, key]);

  const apply = () => {
    const converted = rowsToFilter(dataType, rows);
    setErrors(converted.errors);
    if (Object.keys(converted.errors).length === 0) onApply(converted.filter);
  };

  return (
    <section className="panel filters-panel" aria-label="Filters">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          apply();
        }}
        noValidate
      >
        <FilterBuilder dataType={dataType} rows={rows} errors={errors} onChange={setRows} />
        <div className="button-row">
          <button type="submit" className="button button-primary">
            Apply filters
          </button>
          {rows.length > 0 || Object.keys(filter).length > 0 ? (
            <button
              type="button"
              className="button button-quiet"
              onClick={() => {
                setRows([]);
                setErrors({});
                onApply({});
              }}
            >
              Clear filters
            </button>
          ) : null}
        </div>
      </form>
    </section>
  );
}

/** A record's time in a list: the exact time, and how long ago on a second line. */
export function EventTime({ ms }: { ms: number }) {
  return (
    <span className="event-time">
      <ExactTime ms={ms} />
      <br />
      <span className="muted">
        <RelativeTime ms={ms} />
      </span>
    </span>
  );
}

/** A list's sort: a field of protocol's SORT_FIELDS and a direction. */
export interface EventSort {
  field: string;
  direction: 'asc' | 'desc';
}

/**
 * Row selection for bulk actions. It is of the page shown: another page, sort, filter or page size
 * clears it (a selection the admin can no longer see would be acted on blindly), and a refresh
 * keeps only the selected rows still shown.
 */
export interface EventSelection<T> {
  /** What a row's checkbox selects, read as `Select <name>`. */
  rowName: (row: T) => string;
  /** The bulk actions for the selected ids; `done` clears the selection and reloads the page. */
  actions: (ids: string[], done: () => void) => ReactNode;
}

/** A column the list can sort by: its header becomes a button, the table header says how it sorts. */
export type SortableColumn<T> = Column<T> & { sortField?: string };

/** The User and App columns both lists show (hidden on a phone, sortable). */
export function userAndAppColumns<
  T extends { user: string | null; appName: string | null },
>(): SortableColumn<T>[] {
  return [
    {
      header: 'User',
      sortField: 'user',
      priority: 'low',
      cell: (e) => e.user ?? <span className="muted">—</span>,
    },
    {
      header: 'App',
      sortField: 'appName',
      priority: 'low',
      cell: (e) => e.appName ?? <span className="muted">—</span>,
    },
  ];
}

const NEWEST_FIRST: EventSort = { field: 'timestamp', direction: 'desc' };

function sortWords(sort: EventSort, columns: readonly SortableColumn<never>[]): string {
  if (sort.field === 'timestamp') return sort.direction === 'desc' ? 'newest first' : 'oldest first';
  const header = columns.find((c) => c.sortField === sort.field)?.header ?? sort.field;
  return `by ${header.toLowerCase()} ${sort.direction === 'asc' ? 'A–Z' : 'Z–A'}`;
}

export function EventTable<T extends StoredEvent>({
  dataType,
  filter,
  columns,
  label,
  reloadKey = 0,
  selection,
}: {
  dataType: DataType;
  filter: Filter;
  columns: SortableColumn<T>[];
  label: string;
  /** Changed by the page to load the current page again (after a triage action). */
  reloadKey?: number;
  /** Checkboxes per row and a bar of bulk actions for the selected rows. */
  selection?: EventSelection<T>;
}) {
  const filterKey = JSON.stringify(filter);
  // The pages seen so far as the cursors that opened them ('' the first): Previous goes back to
  // the very page shown before, Next follows the answer's nextCursor (keyset paging, so rows
  // arriving meanwhile never push rows of one page onto the next).
  const [state, setState] = useState({
    cursors: [''],
    limit: 50,
    sort: NEWEST_FIRST,
    filterKey,
  });
  // A new filter starts at the first page.
  const current = state.filterKey === filterKey ? state : { ...state, cursors: [''], filterKey };
  const { limit, sort } = current;
  const cursor = current.cursors.at(-1) ?? '';
  const pageIndex = current.cursors.length - 1;
  const list = useLoad(
    () =>
      (dataType === 'activities' ? api.activities : api.alerts)({
        filters: filter,
        limit,
        sortField: sort.field,
        sortDirection: sort.direction,
        ...(cursor === '' ? {} : { cursor }),
      }) as Promise<{
        data: T[];
        hasNext: boolean;
        total: number;
        moreThanTotal?: boolean;
        nextCursor?: string;
      }>,
    `${dataType}:${filterKey}:${sort.field}:${sort.direction}:${cursor}:${limit}:${reloadKey}`,
  );
  const data = list.data;
  const pageKey = `${filterKey}:${sort.field}:${sort.direction}:${cursor}:${limit}`;
  const [picked, setPicked] = useState<{ pageKey: string; ids: ReadonlySet<string> }>({
    pageKey,
    ids: new Set(),
  });
  const shownIds = (data?.data ?? []).map((r) => r.id);
  const selectedIds = picked.pageKey === pageKey ? shownIds.filter((id) => picked.ids.has(id)) : [];
  const select = (ids: Iterable<string>) => setPicked({ pageKey, ids: new Set(ids) });
  const first = pageIndex * limit;
  const total =
    data === undefined
      ? ''
      : `${data.total.toLocaleString('en-US')}${data.moreThanTotal === true ? '+' : ''}`;
  const sortBy = (field: string) =>
    setState({
      ...current,
      cursors: [''],
      sort:
        sort.field === field
          ? { field, direction: sort.direction === 'asc' ? 'desc' : 'asc' }
          : { field, direction: field === 'timestamp' || field === 'createdAt' ? 'desc' : 'asc' },
    });
  const sorted = columns.map((c): Column<T> => {
    if (c.sortField === undefined || c.header === undefined) return c;
    const field = c.sortField;
    const active = sort.field === field;
    return {
      ...c,
      header: c.header,
      ariaSort: active ? (sort.direction === 'asc' ? 'ascending' : 'descending') : 'none',
      headerContent: (
        <button type="button" className="sort-button" onClick={() => sortBy(field)}>
          {c.header}
          <span aria-hidden="true" className="sort-mark">
            {active ? (sort.direction === 'asc' ? ' ▲' : ' ▼') : ''}
          </span>
        </button>
      ),
    };
  });
  const allShownSelected = shownIds.length > 0 && selectedIds.length === shownIds.length;
  const headed: Column<T>[] =
    selection === undefined
      ? sorted
      : [
          {
            header: 'Select',
            className: 'select-column',
            headerContent: (
              <input
                type="checkbox"
                aria-label={`Select all ${dataType} on this page`}
                checked={allShownSelected}
                disabled={shownIds.length === 0}
                ref={(box) => {
                  if (box !== null) box.indeterminate = selectedIds.length > 0 && !allShownSelected;
                }}
                onChange={() => select(allShownSelected ? [] : shownIds)}
              />
            ),
            cell: (row) => (
              <input
                type="checkbox"
                aria-label={`Select ${selection.rowName(row)}`}
                checked={selectedIds.includes(row.id)}
                onChange={(e) =>
                  select(
                    e.target.checked ? [...selectedIds, row.id] : selectedIds.filter((id) => id !== row.id),
                  )
                }
              />
            ),
          },
          ...sorted,
        ];

  return (
    <>
      <div className="list-toolbar">
        <p className="muted" aria-live="polite">
          {data === undefined
            ? list.loading
              ? 'Loading…'
              : ''
            : data.total === 0 && data.data.length === 0
              ? `No ${dataType} match.`
              : `${(first + 1).toLocaleString('en-US')}–${(first + data.data.length).toLocaleString('en-US')} of ${total}, ${sortWords(sort, columns)}`}
        </p>
        <span className="spacer" />
        <button type="button" className="button button-small" onClick={list.reload} disabled={list.loading}>
          Refresh
        </button>
        <FormField label="Per page" className="field-inline">
          {(props) => (
            <select
              {...props}
              value={limit}
              onChange={(e) => setState({ ...current, cursors: [''], limit: Number(e.target.value) })}
            >
              {PAGE_SIZES.map((n) => (
                <option key={n} value={n}>
                  {n}
                </option>
              ))}
            </select>
          )}
        </FormField>
      </div>
      {list.error !== null ? (
        <p role="alert" className="error-text">
          {list.error}
        </p>
      ) : null}
      {selection !== undefined && selectedIds.length > 0 ? (
        <section className="bulk-bar" aria-label={`Selected ${dataType}`}>
          <p>
            <strong>{selectedIds.length.toLocaleString('en-US')} selected</strong>
          </p>
          {selection.actions(selectedIds, () => {
            select([]);
            list.reload();
          })}
          <button type="button" className="button button-quiet button-small" onClick={() => select([])}>
            Clear selection
          </button>
        </section>
      ) : null}
      <Table
        label={label}
        columns={headed}
        rows={data?.data ?? []}
        rowKey={(r) => r.id}
        rowClassName={(r) => (selectedIds.includes(r.id) ? 'row-selected' : undefined)}
        empty={
          data === undefined
            ? 'Loading…'
            : Object.keys(filter).length > 0
              ? `No ${dataType} match these filters.`
              : `No ${dataType} yet.`
        }
      />
      <div className="pager" role="group" aria-label="Pages">
        <button
          type="button"
          className="button button-small"
          disabled={pageIndex === 0 || list.loading}
          onClick={() => setState({ ...current, cursors: current.cursors.slice(0, -1) })}
        >
          Previous
        </button>
        <button
          type="button"
          className="button button-small"
          disabled={!data?.hasNext || data.nextCursor === undefined || list.loading}
          onClick={() => {
            if (data?.nextCursor !== undefined)
              setState({ ...current, cursors: [...current.cursors, data.nextCursor] });
          }}
        >
          Next
        </button>
      </div>
    </>
  );
}

/** The CEF line for one stored record, as an agent with default format settings writes it. */
function useCefLine(dataType: DataType, id: string) {
  return useLoad(
    () =>
      api.preview({ dataType, filter: { id: { eq: [id] } }, limit: 1 }).then((r) => r.cefLines[0] ?? null),
    `cef:${dataType}:${id}`,
  );
}

export function EventDrawer({
  dataType,
  title,
  record,
  error,
  onClose,
  children,
}: {
  dataType: DataType;
  title: string;
  /** The record, once loaded. */
  record: StoredEvent | undefined;
  error?: string | null;
  onClose: () => void;
  /** Key fields and links, above the CEF line and the JSON. */
  children?: ReactNode;
}) {
  return (
    <Dialog title={title} onClose={onClose} variant="drawer">
      {error ? (
        <p role="alert" className="error-text">
          {error}
        </p>
      ) : record === undefined ? (
        <p className="muted">Loading…</p>
      ) : (
        <EventDetails dataType={dataType} record={record}>
          {children}
        </EventDetails>
      )}
    </Dialog>
  );
}

function EventDetails({
  dataType,
  record,
  children,
}: {
  dataType: DataType;
  record: StoredEvent;
  children?: ReactNode;
}) {
  const cef = useCefLine(dataType, record.id);
  return (
    <>
      {children}
      <h3>CEF line</h3>
      <p className="field-hint">
        What an agent with the default format settings sends for this{' '}
        {dataType === 'activities' ? 'activity' : 'alert'}:
      </p>
      {cef.error !== null ? (
        <p role="alert" className="error-text">
          {cef.error}
        </p>
      ) : cef.data === undefined ? (
        <p className="muted">Loading…</p>
      ) : cef.data === null ? (
        <p className="muted">Not available.</p>
      ) : (
        <pre className="cef">
          <code>{cef.data}</code>
        </pre>
      )}
      <h3>Record</h3>
      <pre className="json">{JSON.stringify(record, null, 2)}</pre>
    </>
  );
}
