// What the Activity log and Alerts pages share: the filter builder (its filter kept in the URL),
// the paged table, newest first (POST /activities or /alerts with filters, skip, limit, sort), and
// the detail drawer with the record and the exact CEF line an agent with default settings sends.
import type { DataType, Filter } from '@cloudsiem/protocol';
import { useEffect, useState, type ReactNode } from 'react';
import { api, type StoredEvent } from '../../api.ts';
import { Dialog } from '../../components/dialog.tsx';
import { FilterBuilder } from '../../components/filter-builder.tsx';
import { FormField } from '../../components/form-field.tsx';
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

export function EventTable<T extends StoredEvent>({
  dataType,
  filter,
  columns,
  label,
}: {
  dataType: DataType;
  filter: Filter;
  columns: Column<T>[];
  label: string;
}) {
  const [page, setPage] = useState({ skip: 0, limit: 50, filterKey: JSON.stringify(filter) });
  const filterKey = JSON.stringify(filter);
  // A new filter starts at the first page.
  const skip = page.filterKey === filterKey ? page.skip : 0;
  const limit = page.limit;
  const list = useLoad(
    () =>
      (dataType === 'activities' ? api.activities : api.alerts)({
        filters: filter,
        skip,
        limit,
        sortField: 'timestamp',
        sortDirection: 'desc',
      }) as Promise<{ data: T[]; hasNext: boolean; total: number }>,
    `${dataType}:${filterKey}:${skip}:${limit}`,
  );
  const go = (nextSkip: number) => setPage({ skip: Math.max(0, nextSkip), limit, filterKey });
  const data = list.data;

  return (
    <>
      <div className="list-toolbar">
        <p className="muted" aria-live="polite">
          {data === undefined
            ? list.loading
              ? 'Loading…'
              : ''
            : data.total === 0
              ? `No ${dataType} match.`
              : `${(skip + 1).toLocaleString('en-US')}–${(skip + data.data.length).toLocaleString('en-US')} of ${data.total.toLocaleString('en-US')}, newest first`}
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
              onChange={(e) => setPage({ skip: 0, limit: Number(e.target.value), filterKey })}
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
      <Table
        label={label}
        columns={columns}
        rows={data?.data ?? []}
        rowKey={(r) => r.id}
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
          disabled={skip === 0 || list.loading}
          onClick={() => go(skip - limit)}
        >
          Previous
        </button>
        <button
          type="button"
          className="button button-small"
          disabled={!data?.hasNext || list.loading}
          onClick={() => go(skip + limit)}
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
