import { describe, expect, it } from 'vitest';
import { ApiError } from '../api/errors';
import { fakeApi } from '../testing/fakes';
import { useProfile, validateProfile, type ProfileForm } from './useProfile';

const ok: ProfileForm = { nickname: 'Alice', gender: 'female', age: 25 };

describe('validateProfile', () => {
  it.each<[string, Partial<ProfileForm>, string[]]>([
    ['valid', {}, []],
    ['trimmed nickname', { nickname: '  Al  ' }, []],
    ['emoji count as one', { nickname: '🙂🙂' }, []],
    ['too short', { nickname: ' A ' }, ['nickname']],
    ['too long', { nickname: 'x'.repeat(33) }, ['nickname']],
    ['control character', { nickname: 'Al\u0007ice' }, ['nickname']],
    ['newline', { nickname: 'Al\nice' }, ['nickname']],
    ['no gender', { gender: '' }, ['gender']],
    ['age 15', { age: 15 }, ['age']],
    ['age 100', { age: 100 }, ['age']],
    ['age missing', { age: null }, ['age']],
    ['fractional age', { age: 20.5 }, ['age']],
    ['five interests', { interests: ['music', 'films', 'games', 'sport', 'art'] }, []],
    ['six interests', { interests: ['music', 'films', 'games', 'sport', 'art', 'tech'] }, ['interests']],
    ['the same interest twice', { interests: ['music', 'music'] }, ['interests']],
  ])('%s', (_, patch, fields) => {
    const { profile, errors } = validateProfile({ ...ok, ...patch });
    expect(Object.keys(errors).sort()).toEqual(fields);
    expect(profile === null).toBe(fields.length > 0);
  });
});

describe('useProfile', () => {
  it('loads a profile or learns the user is not onboarded', async () => {
    const api = fakeApi();
    api.getMe.mockResolvedValueOnce({ onboarded: false });
    const p = useProfile(api);
    expect(await p.load()).toBeNull();
    api.getMe.mockResolvedValueOnce({ onboarded: true, nickname: 'Alice', gender: 'female', age: 25 });
    expect(await p.load()).toEqual({ nickname: 'Alice', gender: 'female', age: 25 });
    expect(p.restriction.value).toBeNull();
    const restriction = { code: 'suspended' as const, until: 1700000000000 };
    api.getMe.mockResolvedValueOnce({ onboarded: true, nickname: 'Alice', gender: 'female', age: 25, restriction });
    await p.load();
    expect(p.restriction.value).toEqual(restriction);
  });

  it('saves the trimmed profile and maps a server field error', async () => {
    const api = fakeApi();
    api.putMe.mockResolvedValueOnce({ onboarded: true, nickname: 'Alice', gender: 'female', age: 25 });
    const p = useProfile(api);
    expect(await p.save({ ...ok, nickname: ' Alice ' })).toBe(true);
    expect(api.putMe).toHaveBeenCalledWith({ nickname: 'Alice', gender: 'female', age: 25 });
    expect(p.profile.value?.nickname).toBe('Alice');

    api.putMe.mockRejectedValueOnce(new ApiError(422, 'invalid_field', 'bad', { field: 'nickname' }));
    expect(await p.save(ok)).toBe(false);
    expect(p.errors.value).toEqual({ nickname: 'errNickname' });
  });

  it('loads interests and minors mode; saves the interests picked (an empty list clears them)', async () => {
    const api = fakeApi();
    api.getMe.mockResolvedValueOnce({ onboarded: true, nickname: 'Ivy', gender: 'female', age: 16, interests: ['music'], teen_mode: true });
    const p = useProfile(api);
    expect(await p.load()).toEqual({ nickname: 'Ivy', gender: 'female', age: 16, interests: ['music'] });
    expect(p.teenMode.value).toBe(true);
    api.putMe.mockResolvedValueOnce({ onboarded: true, nickname: 'Ivy', gender: 'female', age: 16, interests: [], teen_mode: true });
    expect(await p.save({ nickname: 'Ivy', gender: 'female', age: 16, interests: [] })).toBe(true);
    expect(api.putMe).toHaveBeenCalledWith({ nickname: 'Ivy', gender: 'female', age: 16, interests: [] });
    expect(p.profile.value?.interests).toEqual([]);
    api.putMe.mockRejectedValueOnce(new ApiError(422, 'invalid_field', 'unknown interest', { field: 'interests' }));
    expect(await p.save({ nickname: 'Ivy', gender: 'female', age: 16, interests: ['knitting'] })).toBe(false);
    expect(p.errors.value).toEqual({ interests: 'errInterests' });
    // An older server without teen_mode: the age says it.
    api.getMe.mockResolvedValueOnce({ onboarded: true, nickname: 'Jack', gender: 'male', age: 17 });
    await p.load();
    expect(p.teenMode.value).toBe(true);
    api.getMe.mockResolvedValueOnce({ onboarded: true, nickname: 'Al', gender: 'male', age: 30 });
    await p.load();
    expect(p.teenMode.value).toBe(false);
  });

  it('does not call the API for an invalid form', async () => {
    const api = fakeApi();
    const p = useProfile(api);
    expect(await p.save({ ...ok, age: 12 })).toBe(false);
    expect(api.putMe).not.toHaveBeenCalled();
  });
});
