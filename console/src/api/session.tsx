import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from 'react';
import { createApi, type Api, type KeyKind } from './client';

const STORAGE = 'switchyard.console.session';

export interface Session {
  key: string;
  kind: KeyKind;
}

interface SessionState {
  session: Session | null;
  api: Api | null;
  signIn(session: Session): void;
  signOut(): void;
}

const SessionContext = createContext<SessionState | null>(null);

function stored(): Session | null {
  try {
    const raw = sessionStorage.getItem(STORAGE);
    const value = raw ? (JSON.parse(raw) as Session) : null;
    return value && typeof value.key === 'string' && (value.kind === 'admin' || value.kind === 'account')
      ? value
      : null;
  } catch {
    return null;
  }
}

/**
 * The signed-in key lives in sessionStorage: it survives a reload of the tab and is gone when the
 * tab closes, and it is never put in a URL. A 401 from any call (a revoked key) signs out.
 */
export function SessionProvider({ children }: { children: ReactNode }) {
  const [session, setSession] = useState<Session | null>(stored);
  const signOut = useCallback(() => {
    sessionStorage.removeItem(STORAGE);
    setSession(null);
  }, []);
  const signIn = useCallback((next: Session) => {
    sessionStorage.setItem(STORAGE, JSON.stringify(next));
    setSession(next);
  }, []);
  const api = useMemo(() => (session ? createApi(session.key, signOut) : null), [session, signOut]);
  const value = useMemo(() => ({ session, api, signIn, signOut }), [session, api, signIn, signOut]);
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionState {
  const value = useContext(SessionContext);
  if (!value) throw new Error('useSession outside SessionProvider');
  return value;
}

/** The API of the signed-in key (screens are only rendered signed in). */
export function useApi(): Api {
  const { api } = useSession();
  if (!api) throw new Error('useApi while signed out');
  return api;
}
