import { computed, ref } from 'vue';
import type { ApiClient } from '../api/client';
import { ApiError, isApiError } from '../api/errors';
import { MAX_INTERESTS, type Gender, type Me, type Profile, type Restriction } from '../api/types';
import type { MessageKey, Translate } from '../i18n';
import { en } from '../i18n/messages';
import { ADULT_AGE } from './useSearch';

export interface ProfileForm {
  nickname: string;
  gender: Gender | '';
  age: number | null;
  /** The interests picked (GET /api/config's names); absent: leave them as they are. */
  interests?: string[];
}

export type ProfileField = 'nickname' | 'gender' | 'age' | 'interests';
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
  const interests = form.interests;
  if (interests && (interests.length > MAX_INTERESTS || new Set(interests).size !== interests.length)) errors.interests = 'errInterests';
  if (Object.keys(errors).length > 0 || form.gender === '' || age === null) return { profile: null, errors };
  const profile: Profile = { nickname, gender: form.gender, age };
  if (interests) profile.interests = [...interests];
  return { profile, errors };
}

const fieldError: Record<ProfileField, MessageKey> = { nickname: 'errNickname', gender: 'errGender', age: 'errAge', interests: 'errInterests' };

/** profileOf is the profile GET or PUT /api/me answered (interests only when the server has them). */
function profileOf(me: Extract<Me, { onboarded: true }>): Profile {
  const p: Profile = { nickname: me.nickname, gender: me.gender, age: me.age };
  if (Array.isArray(me.interests)) p.interests = me.interests.filter((x) => typeof x === 'string');
  return p;
}

/** interestLabel is an interest's name in the user's language (a name this app does not know yet shows as it is). */
export function interestLabel(name: string, t: Translate): string {
  const key = `interest_${name}`;
  return key in en ? t(key as MessageKey) : name;
}

type ProfileApi = Pick<ApiClient, 'getMe' | 'putMe'>;

/** useProfile loads the user's profile and saves the onboarding form. */
export function useProfile(api: ProfileApi) {
  const profile = ref<Profile | null>(null);
  /** The restriction GET /api/me reported at load, if any. */
  const restriction = ref<Restriction | null>(null);
  /** GET /api/me said teen_mode: minors mode's rules apply to this user. */
  const teen = ref(false);
  const loaded = ref(false);
  const saving = ref(false);
  const errors = ref<ProfileErrors>({});
  const error = ref<ApiError | null>(null);

  async function load(): Promise<Profile | null> {
    const me = await api.getMe();
    profile.value = me.onboarded ? profileOf(me) : null;
    restriction.value = me.onboarded && me.restriction ? me.restriction : null;
    teen.value = me.onboarded && me.teen_mode === true;
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
      profile.value = me.onboarded ? profileOf(me) : checked.profile;
      teen.value = me.onboarded && me.teen_mode === true;
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

  /** Minors mode applies to the user: the server said so, or (an older server) the age does. */
  const teenMode = computed(() => teen.value || (profile.value !== null && profile.value.age < ADULT_AGE));

  return { profile, restriction, teenMode, loaded, saving, errors, error, load, save };
}

export type UseProfile = ReturnType<typeof useProfile>;
