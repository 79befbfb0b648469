import { describe, expect, it } from 'vitest';
import { AT_BOTTOM_PX, createAnchor, distanceFromBottom } from './anchoring';

const at = (fromBottom: number) => ({ scrollHeight: 2000, clientHeight: 600, scrollTop: 2000 - 600 - fromBottom });

describe('anchoring decisions', () => {
  it('measures the distance from the bottom', () => {
    expect(distanceFromBottom(at(0))).toBe(0);
    expect(distanceFromBottom(at(300))).toBe(300);
  });

  it('at the bottom, new messages and resizes keep the list at the bottom', () => {
    const a = createAnchor();
    a.scrolled(at(AT_BOTTOM_PX));
    expect(a.appended(1, false)).toBe('to-bottom');
    // The keyboard opens: the list gets shorter and scrollTop stays, without a scroll event.
    expect(a.resized()).toBe('to-bottom');
    expect(a.unseen).toBe(0);
  });

  it('scrolled up, incoming messages are counted for "↓ N new" and the view stays', () => {
    const a = createAnchor();
    a.scrolled(at(500));
    expect(a.appended(1, false)).toBe('none');
    expect(a.appended(2, false)).toBe('none');
    expect(a.unseen).toBe(3);
    expect(a.resized()).toBe('none');
    expect(a.prepended()).toBe('keep-from-bottom');
    a.scrolled(at(10)); // the reader scrolled down to them
    expect(a.unseen).toBe(0);
  });

  it('sending goes to the bottom wherever the reader was; the button jumps there too', () => {
    const a = createAnchor();
    a.scrolled(at(900));
    expect(a.appended(0, true)).toBe('to-bottom');
    expect(a.atBottom).toBe(true);
    a.scrolled(at(900));
    a.appended(4, false);
    expect(a.jump()).toBe('to-bottom');
    expect(a.unseen).toBe(0);
  });
});
