import { beforeEach, describe, expect, it, vi } from 'vitest';
import { effectScope } from 'vue';
import { flush } from '../testing/fakes';
import { resetTma, tma as s } from '../testing/tmaSdk';
import { holdFullscreen, noFullscreen, type Fullscreen } from './fullscreen';
import { parseLaunchParams } from './launchParams';
import { createSdkBridge, createSdkFullscreen } from './sdk';

vi.mock('@tma.js/sdk', () => import('../testing/tmaSdk'));

/** openViewer is the photo viewer's part: it holds full-screen while its scope lives; closing ends the scope. */
function openViewer(fullscreen: Fullscreen): () => void {
  const scope = effectScope();
  scope.run(() => holdFullscreen(fullscreen));
  return () => scope.stop();
}

const ios = { platform: 'ios' };

describe('createSdkFullscreen (the photo viewer in Telegram)', () => {
  beforeEach(resetTma);

  it('asks on phones only: a desktop or web client keeps its window as it is', async () => {
    for (const platform of ['tdesktop', 'macos', 'weba', 'webk', undefined]) {
      const close = openViewer(createSdkFullscreen({ platform }));
      await flush();
      close();
    }
    await flush();
    expect(s.calls).toEqual([]);
    openViewer(createSdkFullscreen({ platform: 'android' }));
    await flush();
    expect(s.calls).toEqual(['request']);
  });

  it('enters full-screen when the viewer opens and leaves it when the viewer closes', async () => {
    const close = openViewer(createSdkFullscreen(ios));
    await flush();
    expect(s.calls).toEqual(['request']);
    expect(s.fullscreen).toBe(true);
    expect(s.options[0]).toMatchObject({ timeout: expect.any(Number) });
    close();
    await flush();
    expect(s.calls).toEqual(['request', 'exit']);
    expect(s.fullscreen).toBe(false);
  });

  it('leaves an app that was full-screen before the viewer opened full-screen after it closes', async () => {
    s.fullscreen = true; // launched full-screen
    const close = openViewer(createSdkFullscreen(ios));
    await flush();
    close();
    await flush();
    expect(s.calls).toEqual([]);
    expect(s.fullscreen).toBe(true);
  });

  it('does nothing, and throws nothing, where the client has no full-screen', async () => {
    s.available = false;
    const close = openViewer(createSdkFullscreen(ios));
    await flush();
    expect(close).not.toThrow();
    await flush();
    expect(s.calls).toEqual([]);
  });

  it('throws nothing when the SDK itself throws', async () => {
    s.broken = true;
    const fs = createSdkFullscreen(ios);
    let close = () => {};
    expect(() => (close = openViewer(fs))).not.toThrow();
    await flush();
    expect(close).not.toThrow();
    await flush();
    expect(s.calls).toEqual([]);
  });

  it('has nothing to leave when the client refuses full-screen', async () => {
    s.refuse = true;
    const close = openViewer(createSdkFullscreen(ios));
    await flush();
    close();
    await flush();
    expect(s.calls).toEqual(['request']);
    expect(s.fullscreen).toBe(false);
  });

  it('does not ask before the viewport is mounted and its safe-area variables are bound', async () => {
    s.bound = false;
    openViewer(createSdkFullscreen(ios))();
    s.bound = true;
    s.mounted = false;
    openViewer(createSdkFullscreen(ios))();
    await flush();
    expect(s.calls).toEqual([]);
  });

  it('leaves full-screen once the client has answered, when the viewer closed before that', async () => {
    s.manual = true;
    const close = openViewer(createSdkFullscreen(ios));
    await flush();
    close(); // e.g. Telegram's Back button at once
    await flush();
    expect(s.calls).toEqual(['request']);
    s.answers.shift()!();
    await flush();
    expect(s.calls).toEqual(['request', 'exit']);
    s.answers.shift()!();
    await flush();
    expect(s.fullscreen).toBe(false);
  });

  it('stays full-screen when the next photo opens as the last one closes', async () => {
    const fs = createSdkFullscreen(ios);
    const closeFirst = openViewer(fs);
    await flush();
    closeFirst();
    const closeSecond = openViewer(fs);
    await flush();
    expect(s.calls).toEqual(['request']);
    expect(s.fullscreen).toBe(true);
    closeSecond();
    await flush();
    expect(s.calls).toEqual(['request', 'exit']);
  });

  it('counts a hold given back twice once', async () => {
    const fs = createSdkFullscreen(ios);
    const closeViewer = openViewer(fs);
    const release = fs.enter();
    release();
    release();
    await flush();
    expect(s.fullscreen).toBe(true);
    closeViewer();
    await flush();
    expect(s.calls).toEqual(['request', 'exit']);
  });

  it('does not exit when the user has left full-screen while the viewer was open', async () => {
    const close = openViewer(createSdkFullscreen(ios));
    await flush();
    s.fullscreen = false;
    close();
    await flush();
    expect(s.calls).toEqual(['request']);
  });

  it('keeps the chat in expanded mode: starting the bridge expands and never asks for full-screen', async () => {
    const launch = parseLaunchParams('#tgWebAppData=user%3D%257B%257D&tgWebAppVersion=8.0&tgWebAppPlatform=ios');
    createSdkBridge(launch, null);
    await flush();
    expect(s.calls).toContain('expand');
    expect(s.calls).toContain('bindCssVars');
    expect(s.calls).not.toContain('request');
  });
});

describe('noFullscreen (outside Telegram)', () => {
  it('is a harmless no-op', () => {
    expect(() => openViewer(noFullscreen)()).not.toThrow();
  });
});
