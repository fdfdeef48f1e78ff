// Small hooks the pages share: the current hash route, data loaded from the API (optionally
// polled), and a call in flight with its error.
import { useCallback, useEffect, useRef, useState, useSyncExternalStore } from 'react';
import { messageOf } from './api.ts';
import { hashOf, parseHash, type Route } from './routes.ts';

function subscribeHash(listener: () => void): () => void {
  window.addEventListener('hashchange', listener);
  return () => window.removeEventListener('hashchange', listener);
}

export function useRoute(): Route {
  const hash = useSyncExternalStore(subscribeHash, () => window.location.hash);
  return parseHash(hash);
}

export function navigate(route: Route | string, { replace = false } = {}): void {
  const hash = typeof route === 'string' ? route : hashOf(route);
  if (replace) {
    window.history.replaceState(null, '', hash);
    window.dispatchEvent(new HashChangeEvent('hashchange'));
  } else window.location.hash = hash;
}

export interface Loaded<T> {
  data: T | undefined;
  error: string | null;
  loading: boolean;
  reload: () => void;
}

/**
 * Loads `load()` when `key` changes, and again every `pollMs` when given. A failed poll keeps the
 * last data and shows the error; answers to superseded requests are dropped.
 */
export function useLoad<T>(load: () => Promise<T>, key: string, pollMs?: number): Loaded<T> {
  const [state, setState] = useState<{
    data: T | undefined;
    error: string | null;
    loading: boolean;
    key: string;
  }>({
    data: undefined,
    error: null,
    loading: true,
    key,
  });
  const loadRef = useRef(load);
  loadRef.current = load;
  const generation = useRef(0);

  const run = useCallback(() => {
    const mine = ++generation.current;
    setState((s) => ({ ...s, loading: true }));
    loadRef.current().then(
      (data) => {
        if (mine === generation.current) setState({ data, error: null, loading: false, key });
      },
      (error: unknown) => {
        if (mine === generation.current)
          setState((s) => ({ ...s, error: messageOf(error), loading: false, key }));
      },
    );
  }, [key]);

  useEffect(() => {
    run();
    if (pollMs === undefined) return;
    const timer = setInterval(run, pollMs);
    return () => clearInterval(timer);
  }, [run, pollMs]);

  useEffect(
    () => () => {
      generation.current += 1;
    },
    [],
  );

  // Data loaded for another key is not shown as this key's.
  const data = state.key === key ? state.data : undefined;
  return {
    data,
    error: state.key === key ? state.error : null,
    loading: state.loading || state.key !== key,
    reload: run,
  };
}

/**
 * A call started by the admin (a button), with what follows its success in the same callback:
 * busy while in flight, its error kept until the next run.
 */
export function useAction() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const mounted = useRef(true);
  useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
    };
  }, []);
  const run = useCallback(async (call: () => Promise<void>): Promise<void> => {
    setBusy(true);
    setError(null);
    try {
      await call();
    } catch (e) {
      if (mounted.current) setError(messageOf(e));
    } finally {
      if (mounted.current) setBusy(false);
    }
  }, []);
  return { busy, error, setError, run };
}

/** The browser tab's title: `<page> · cloudsiem`. */
export function useTitle(title: string): void {
  useEffect(() => {
    document.title = `${title} · cloudsiem`;
  }, [title]);
}
