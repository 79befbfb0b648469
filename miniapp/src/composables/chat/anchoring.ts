/** How close to the bottom (px) still counts as "at the bottom". */
export const AT_BOTTOM_PX = 48;

export interface ScrollMetrics {
  scrollTop: number;
  scrollHeight: number;
  clientHeight: number;
}

export function distanceFromBottom(m: ScrollMetrics): number {
  return Math.max(0, m.scrollHeight - m.scrollTop - m.clientHeight);
}

/** What the list should do after a change. */
export type AnchorAction = 'to-bottom' | 'keep-from-bottom' | 'none';

/**
 * createAnchor decides how the message list scrolls, like a chat app: while
 * the reader is at the bottom it stays there through new messages and
 * through resizes (the keyboard opening, the composer growing, a bigger
 * viewport); a reader scrolled up is left where they are and counts the
 * messages that arrived below ("↓ N new"); older messages put on top keep
 * what the reader looks at in place; sending always goes to the bottom.
 *
 * Whether the reader is at the bottom is learnt from scroll events only: a
 * resize moves the bottom without a scroll, and must not count as the
 * reader leaving it.
 */
export function createAnchor() {
  let atBottom = true;
  let unseen = 0;

  return {
    get atBottom() {
      return atBottom;
    },
    /** Incoming messages below the reader's view. */
    get unseen() {
      return unseen;
    },
    /** The reader scrolled (or we did). */
    scrolled(m: ScrollMetrics): void {
      atBottom = distanceFromBottom(m) <= AT_BOTTOM_PX;
      if (atBottom) unseen = 0;
    },
    /** Messages were added at the end; `mine` when one of them is the user's own, just sent. */
    appended(incoming: number, mine: boolean): AnchorAction {
      if (mine || atBottom) {
        atBottom = true;
        unseen = 0;
        return 'to-bottom';
      }
      unseen += incoming;
      return 'none';
    },
    /** Older messages were put above. */
    prepended(): AnchorAction {
      return atBottom ? 'to-bottom' : 'keep-from-bottom';
    },
    /** The list or its content changed size without new messages (keyboard, composer, a status row). */
    resized(): AnchorAction {
      return atBottom ? 'to-bottom' : 'none';
    },
    /** The "↓ N new" button. */
    jump(): AnchorAction {
      atBottom = true;
      unseen = 0;
      return 'to-bottom';
    },
  };
}

export type Anchor = ReturnType<typeof createAnchor>;
