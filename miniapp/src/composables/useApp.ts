import { computed, ref, shallowRef, watch } from 'vue';
import type { ApiClient } from '../api/client';
import { ApiError } from '../api/errors';
import type { AppConfig, SearchFilters } from '../api/types';
import type { Translate } from '../i18n';
import type { ConnectionState, Realtime } from '../realtime/types';
import type { TelegramBridge } from '../telegram/bridge';
import { useChat, type UseChat } from './useChat';
import { useProfile, type ProfileForm } from './useProfile';
import { defaultFilters, toApiError, useSearch, type UseSearch } from './useSearch';

export type Screen = 'loading' | 'outside' | 'error' | 'onboarding' | 'filters' | 'searching' | 'chat';
export type Banner = 'connecting' | 'reconnecting' | null;

export interface AppDeps {
  api: ApiClient;
  telegram: TelegramBridge;
  /** Builds the one real-time connection from the server's config (not yet connected). */
  realtime: (config: AppConfig) => Realtime;
  t: Translate;
  onConfig?: (config: AppConfig) => void;
}

/**
 * useApp wires profile, search and chat into the app's screens and keeps the
 * Telegram chrome (BackButton, closing confirmation, haptics) in step with them.
 */
export function useApp(deps: AppDeps) {
  const { api, telegram } = deps;
  const stage = ref<'loading' | 'outside' | 'error' | 'ready'>('loading');
  const bootError = shallowRef<ApiError | null>(null);
  const profile = useProfile(api);
  const search = shallowRef<UseSearch | null>(null);
  const chat = shallowRef<UseChat | null>(null);
  const draft = ref<SearchFilters>({ gender: 'any', age_from: 18, age_to: 99 });
  const connection = ref<ConnectionState>('disconnected');
  const everConnected = ref(false);
  const busy = ref(false);
  const realtime = shallowRef<Realtime | null>(null);

  const screen = computed<Screen>(() => {
    if (stage.value !== 'ready') return stage.value;
    if (!profile.profile.value) return 'onboarding';
    if (chat.value) return 'chat';
    if (search.value?.searching.value) return 'searching';
    return 'filters';
  });

  const banner = computed<Banner>(() => {
    if (!realtime.value || !profile.profile.value || connection.value === 'connected') return null;
    return everConnected.value ? 'reconnecting' : 'connecting';
  });

  function openChat() {
    const rt = realtime.value;
    const room = search.value?.room.value;
    if (!rt || !room || chat.value?.room.id === room.id) return;
    chat.value?.dispose();
    chat.value = useChat(room, { api, realtime: rt, onIncoming: () => telegram.hapticLight() });
  }

  async function startSession() {
    const rt = realtime.value;
    if (!rt || !search.value) return;
    const p = profile.profile.value;
    if (p) draft.value = search.value.filters.value ?? defaultFilters(p.age);
    if (rt.state === 'disconnected') rt.connect();
    await search.value.refresh(true);
  }

  async function boot() {
    if (!telegram.initData) {
      stage.value = 'outside';
      return;
    }
    stage.value = 'loading';
    try {
      const config = await api.getConfig();
      deps.onConfig?.(config);
      if (!realtime.value) {
        const rt = deps.realtime(config);
        rt.onState((s) => {
          connection.value = s;
          if (s === 'connected') everConnected.value = true;
        });
        const s = useSearch(api, rt, { onMatched: () => telegram.hapticSuccess() });
        watch(s.room, openChat);
        search.value = s;
        realtime.value = rt;
      }
      if (await profile.load()) await startSession();
      stage.value = 'ready';
    } catch (err) {
      bootError.value = toApiError(err);
      stage.value = 'error';
    }
  }

  async function saveProfile(form: ProfileForm) {
    if (await profile.save(form)) await startSession();
  }

  async function find() {
    await search.value?.start({ ...draft.value });
  }

  async function closeChat() {
    const c = chat.value;
    if (!c) return;
    busy.value = true;
    try {
      await c.leave();
    } finally {
      chat.value = null;
      search.value?.reset();
      busy.value = false;
    }
  }

  /** next leaves the room and searches again with the filters of the last search. */
  async function next() {
    const filters = search.value?.filters.value ?? draft.value;
    await closeChat();
    await search.value?.start({ ...filters });
  }

  async function confirmLeave() {
    if (chat.value?.closed.value || (await telegram.confirm(deps.t('leaveConfirm')))) await closeChat();
  }

  watch(screen, (s) => {
    if (s === 'searching') telegram.setBackButton(() => void search.value?.cancel());
    else if (s === 'chat') telegram.setBackButton(() => void confirmLeave());
    else telegram.setBackButton(null);
  });
  watch(
    () => screen.value === 'chat' && chat.value !== null && !chat.value.closed.value,
    (inChat) => telegram.setClosingConfirmation(inChat),
  );

  return {
    stage,
    screen,
    banner,
    bootError,
    profile,
    search,
    chat,
    draft,
    busy,
    boot,
    saveProfile,
    find,
    next,
    leave: closeChat,
    confirmLeave,
  };
}

export type UseApp = ReturnType<typeof useApp>;
