import { describe, expect, it } from 'vitest';
import { themeToCssVars } from './theme';

describe('themeToCssVars', () => {
  it('maps every Telegram colour to its CSS variable', () => {
    expect(
      themeToCssVars(
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
      ),
    ).toEqual({
      '--app-bg': '#17212b',
      '--app-text': '#f5f5f5',
      '--app-hint': '#708499',
      '--app-button': '#5288c1',
      '--app-button-text': '#ffffff',
      '--app-secondary-bg': '#232e3c',
    });
  });

  it.each([
    ['light', '#ffffff', '#000000'],
    ['dark', '#212121', '#ffffff'],
  ] as const)('falls back to a %s palette for missing colours', (scheme, bg, text) => {
    const vars = themeToCssVars({ button_color: '#ff0000' }, scheme);
    expect(vars['--app-bg']).toBe(bg);
    expect(vars['--app-text']).toBe(text);
    expect(vars['--app-button']).toBe('#ff0000');
  });

  it('ignores values that are not hex colours', () => {
    const vars = themeToCssVars({ bg_color: 'red;background:url(x)', text_color: '#abc' }, 'light');
    expect(vars['--app-bg']).toBe('#ffffff');
    expect(vars['--app-text']).toBe('#abc');
  });
});
