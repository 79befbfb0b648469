import { shallowRef } from 'vue';
import { isApiError } from '../api/errors';
import type { Restriction } from '../api/types';

/** setTimeout's longest delay (~24.8 days); a suspension ending later is re-checked at the next launch. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export interface RestrictionOptions {
  now?: () => number;
}

/**
 * useRestriction holds the user's moderation restriction, from GET /api/me,
 * a 403 suspended/banned answer to a search, or a `restricted` push. A
 * suspension lifts itself when its `until` passes.
 */
export function useRestriction(opts: RestrictionOptions = {}) {
  const now = opts.now ?? Date.now;
  const restriction = shallowRef<Restriction | null>(null);
  let timer: ReturnType<typeof setTimeout> | undefined;

  function set(r: Restriction | null | undefined) {
    clearTimeout(timer);
    timer = undefined;
    if (!r || (r.code === 'suspended' && r.until !== undefined && r.until <= now())) {
      restriction.value = null;
      return;
    }
    restriction.value = r.until === undefined ? { code: r.code } : { code: r.code, until: r.until };
    if (r.until !== undefined) {
      const left = r.until - now();
      if (left <= MAX_TIMER_MS) timer = setTimeout(() => set(null), left);
    }
  }

  /** fromError takes the restriction from a 403 suspended/banned; returns whether it was one. */
  function fromError(err: unknown): boolean {
    if (isApiError(err, 'suspended') || isApiError(err, 'banned')) {
      set({ code: err.code as Restriction['code'], until: err.until });
      return true;
    }
    return false;
  }

  function dispose() {
    clearTimeout(timer);
  }

  return { restriction, set, fromError, dispose };
}

export type UseRestriction = ReturnType<typeof useRestriction>;
