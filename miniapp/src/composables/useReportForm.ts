import { computed, ref, shallowRef } from 'vue';
import type { ApiError } from '../api/errors';
import type { ReportReason, ReportRequest } from '../api/types';

export const REPORT_REASONS: readonly ReportReason[] = ['spam', 'abuse', 'sexual', 'minor', 'other'];
/** The API's limit for a report comment, in characters. */
export const REPORT_COMMENT_MAX = 500;

/** Characters as the server counts them (code points), not UTF-16 units. */
export const charCount = (s: string) => [...s].length;

/** useReportForm is the state of the report dialog: open, the chosen reason, the comment, sending, error. */
export function useReportForm() {
  const open = ref(false);
  const reason = ref<ReportReason | null>(null);
  const comment = ref('');
  const sending = ref(false);
  const error = shallowRef<ApiError | null>(null);

  const commentLength = computed(() => charCount(comment.value.trim()));
  const valid = computed(() => reason.value !== null && commentLength.value <= REPORT_COMMENT_MAX);

  function show() {
    reason.value = null;
    comment.value = '';
    error.value = null;
    sending.value = false;
    open.value = true;
  }

  function hide() {
    open.value = false;
  }

  /** request is the body to send, or null while the form is not valid. */
  function request(): ReportRequest | null {
    if (!valid.value || reason.value === null) return null;
    const text = comment.value.trim();
    return text === '' ? { reason: reason.value } : { reason: reason.value, comment: text };
  }

  return { open, reason, comment, sending, error, commentLength, valid, show, hide, request };
}

export type UseReportForm = ReturnType<typeof useReportForm>;
