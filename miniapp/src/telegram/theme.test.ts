import { describe, expect, it } from 'vitest';
import { contrast, MIN_CONTRAST, palettes, readable, themeToCssVars } from './theme';

describe('themeToCssVars', () => {
  it('maps every Telegram colour to its CSS variable', () => {
    const vars = themeToCssVars(
      {
        bg_color: '#17212b',
        text_color: '#f5f5f5',
        hint_color: '#708499',
        button_color: '#5288c1',
        button_text_color: '#ffffff',
        secondary_bg_color: '#232e3c',
        link_color: '#6ab3f3',
      },
      'dark',
    );
    expect(vars).toMatchObject({
      '--app-bg': '#17212b',
      '--app-text': '#f5f5f5',
      '--app-hint': '#708499',
      '--app-button': '#5288c1',
      '--app-button-text': '#ffffff',
      '--app-secondary-bg': '#232e3c',
      '--app-link': '#6ab3f3',
    });
  });

  it.each([
    ['light', '#ffffff', '#000000'],
    ['dark', '#17212b', '#f5f5f5'],
  ] as const)('falls back to Telegram’s %s palette for missing colours', (scheme, bg, text) => {
    const vars = themeToCssVars({ button_color: '#ff0000' }, scheme);
    expect(vars['--app-bg']).toBe(bg);
    expect(vars['--app-text']).toBe(text);
    expect(vars['--app-button']).toBe('#ff0000');
  });

  it('ignores values that are not hex colours', () => {
    const vars = themeToCssVars({ bg_color: 'red;background:url(x)', text_color: '#abc' }, 'light');
    expect(vars['--app-bg']).toBe('#ffffff');
    expect(vars['--app-text']).toBe('#aabbcc');
  });

  it.each(['light', 'dark'] as const)('%s: every text colour reaches 4.5:1 on the backgrounds it is drawn on', (scheme) => {
    const p = palettes[scheme];
    const vars = themeToCssVars({}, scheme);
    // Telegram's own hint grey falls short on the chat background: the derived one does not.
    expect(contrast(p['--app-hint'], p['--app-secondary-bg'])).toBeLessThan(MIN_CONTRAST);
    for (const bg of [vars['--app-bg'], vars['--app-secondary-bg']]) {
      expect(contrast(vars['--app-hint-text'], bg)).toBeGreaterThanOrEqual(MIN_CONTRAST);
      expect(contrast(vars['--app-accent-text'], bg)).toBeGreaterThanOrEqual(MIN_CONTRAST);
      expect(contrast(vars['--app-danger'], bg)).toBeGreaterThanOrEqual(MIN_CONTRAST);
    }
    expect(contrast(vars['--app-own-text'], vars['--app-own-bubble'])).toBeGreaterThanOrEqual(MIN_CONTRAST);
  });

  it('readable leaves a colour that is already readable alone', () => {
    expect(readable('#000000', ['#ffffff'], '#000000')).toBe('#000000');
    expect(contrast('#999999', '#ffffff')).toBeLessThan(3); // the old fallback grey
    expect(contrast(readable('#999999', ['#ffffff'], '#000000'), '#ffffff')).toBeGreaterThanOrEqual(MIN_CONTRAST);
  });
});
