import { onScopeDispose, type InjectionKey } from 'vue';

/**
 * Fullscreen is Telegram's full-screen mode for a view that gains from the
 * whole screen (the photo viewer). The chat itself never asks for it: there
 * Telegram's header, with its close button, stays, and Telegram's controls
 * would cover the app's own header.
 */
export interface Fullscreen {
  /**
   * Enters full-screen where the client can. The returned function gives the
   * hold back: the app leaves full-screen when the last hold is given back,
   * unless it was already full-screen before. Neither call ever throws.
   */
  enter(): () => void;
}

/** noFullscreen is full-screen outside Telegram (dev mode, the browser tests): nothing happens. */
export const noFullscreen: Fullscreen = { enter: () => () => {} };

/** fullscreenKey provides the Fullscreen of this launch to the components that want it. */
export const fullscreenKey: InjectionKey<Fullscreen> = Symbol('fullscreen');

/**
 * holdFullscreen keeps the app full-screen while the calling component (or
 * effect scope) lives, so the mode is left however the view goes away: its
 * own close button, Telegram's Back button, or a change of screen.
 */
export function holdFullscreen(fullscreen: Fullscreen): void {
  onScopeDispose(fullscreen.enter());
}
