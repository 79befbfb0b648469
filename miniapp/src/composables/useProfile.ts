import { ref } from 'vue';
import type { ApiClient } from '../api/client';
import { ApiError, isApiError } from '../api/errors';
import type { Gender, Profile, Restriction } from '../api/types';
import type { MessageKey } from '../i18n';

export interface ProfileForm {
  nickname: string;
  gender: Gender | '';
  age: number | null;
}

export type ProfileField = 'nickname' | 'gender' | 'age';
export type ProfileErrors = Partial<Record<ProfileField, MessageKey>>;

export const MIN_AGE = 16;
export const MAX_AGE = 99;
const NICK_MIN = 2;
const NICK_MAX = 32;
/** Control characters (and the line/paragraph separators) are not printable. */
const nonPrintable = /[\p{Cc}\u2028\u2029]/u;

/** validateProfile mirrors the server's rules so most mistakes never cost a round trip. */
export function validateProfile(form: ProfileForm): { profile: Profile | null; errors: ProfileErrors } {
  const errors: ProfileErrors = {};
  const nickname = form.nickname.trim();
  const length = [...nickname].length;
  if (length < NICK_MIN || length > NICK_MAX || nonPrintable.test(nickname)) errors.nickname = 'errNickname';
  if (form.gender !== 'male' && form.gender !== 'female') errors.gender = 'errGender';
  const age = form.age;
  if (age === null || !Number.isInteger(age) || age < MIN_AGE || age > MAX_AGE) errors.age = 'errAge';
  if (Object.keys(errors).length > 0 || form.gender === '' || age === null) return { profile: null, errors };
  return { profile: { nickname, gender: form.gender, age }, errors };
}

const fieldError: Record<ProfileField, MessageKey> = { nickname: 'errNickname', gender: 'errGender', age: 'errAge' };

type ProfileApi = Pick<ApiClient, 'getMe' | 'putMe'>;

/** useProfile loads the user's profile and saves the onboarding form. */
export function useProfile(api: ProfileApi) {
  const profile = ref<Profile | null>(null);
  /** The restriction GET /api/me reported at load, if any. */
  const restriction = ref<Restriction | null>(null);
  const loaded = ref(false);
  const saving = ref(false);
  const errors = ref<ProfileErrors>({});
  const error = ref<ApiError | null>(null);

  async function load(): Promise<Profile | null> {
    const me = await api.getMe();
    profile.value = me.onboarded ? { nickname: me.nickname, gender: me.gender, age: me.age } : null;
    restriction.value = me.onboarded && me.restriction ? me.restriction : null;
    loaded.value = true;
    return profile.value;
  }

  /** save returns true when the profile was stored. */
  async function save(form: ProfileForm): Promise<boolean> {
    const checked = validateProfile(form);
    errors.value = checked.errors;
    error.value = null;
    if (!checked.profile) return false;
    saving.value = true;
    try {
      const me = await api.putMe(checked.profile);
      profile.value = me.onboarded ? { nickname: me.nickname, gender: me.gender, age: me.age } : checked.profile;
      return true;
    } catch (err) {
      if (isApiError(err, 'invalid_field') && err.field && err.field in fieldError) {
        errors.value = { [err.field]: fieldError[err.field as ProfileField] };
      } else {
        error.value = isApiError(err) ? err : new ApiError(0, 'network', String(err));
      }
      return false;
    } finally {
      saving.value = false;
    }
  }

  return { profile, restriction, loaded, saving, errors, error, load, save };
}

export type UseProfile = ReturnType<typeof useProfile>;
