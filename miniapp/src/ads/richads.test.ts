import { describe, expect, it } from 'vitest';
import { ADS_FRAME_PATH, ADS_SANDBOX, mountAds } from './richads';

/** A document with just what mountAds touches. */
function fakeDocument() {
  const frames: Record<string, unknown>[] = [];
  const doc = {
    frames,
    querySelector: (sel: string) => (sel === 'iframe[data-ads]' && frames.length > 0 ? frames[0] : null),
    createElement: (tag: string) => {
      const attrs: Record<string, string> = {};
      return { tag, attrs, dataset: {} as Record<string, string>, style: { cssText: '' }, tabIndex: 0, src: '', setAttribute: (k: string, v: string) => (attrs[k] = v) };
    },
    body: { appendChild: (el: Record<string, unknown>) => frames.push(el) },
  };
  return doc;
}

describe('mountAds', () => {
  it('does nothing unless both ids are configured', () => {
    const doc = fakeDocument();
    expect(mountAds({ centrifugo_ws_url: '/c', richads_pub_id: '1' }, doc as unknown as Document)).toBe(false);
    expect(mountAds({ centrifugo_ws_url: '/c', richads_pub_id: ' ', richads_app_id: '2' }, doc as unknown as Document)).toBe(false);
    expect(doc.frames).toHaveLength(0);
  });

  it('mounts one sandboxed frame with an opaque origin, given only the ids', () => {
    const doc = fakeDocument();
    const config = { centrifugo_ws_url: '/c', richads_pub_id: 'p 1', richads_app_id: 'a2' };
    expect(mountAds(config, doc as unknown as Document)).toBe(true);
    expect(mountAds(config, doc as unknown as Document)).toBe(false);
    expect(doc.frames).toHaveLength(1);
    const frame = doc.frames[0] as { attrs: Record<string, string>; src: string };
    expect(frame.attrs.sandbox).toBe(ADS_SANDBOX);
    expect(frame.attrs.sandbox).not.toContain('allow-same-origin'); // what keeps it away from the init data
    expect(frame.src).toBe(`${ADS_FRAME_PATH}#pub=p%201&app=a2`);
  });
});
