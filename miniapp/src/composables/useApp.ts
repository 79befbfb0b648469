import { computed, ref, shallowRef, watch } from 'vue';
import type { ApiClient } from '../api/client';
import { ApiError, isApiError } from '../api/errors';
import type { AppConfig, Room, RoomInfo, SearchFilters } from '../api/types';
import type { Translate } from '../i18n';
import type { ConnectionState, Realtime } from '../realtime/types';
import type { TelegramBridge } from '../telegram/bridge';
import { createRoomMemory, type RoomMemory } from './roomMemory';
import { useChat, type ChatMode, type UseChat } from './useChat';
import { useProfile, type ProfileForm } from './useProfile';
import { useReportForm } from './useReportForm';
import { useRestriction } from './useRestriction';
import { defaultFilters, toApiError, useSearch, type SearchNotice, type UseSearch } from './useSearch';

export type Screen = 'loading' | 'outside' | 'error' | 'onboarding' | 'filters' | 'searching' | 'chat';
export type Banner = 'connecting' | 'reconnecting' | null;
/** What the filter screen tells the user on arrival. */
export type FilterNotice = Exclude<SearchNotice, null> | 'reported' | 'blocked' | 'cleared' | null;

export const DEFAULT_PRIVACY_URL = '/privacy';

export interface AppDeps {
  api: ApiClient;
  telegram: TelegramBridge;
  /** Builds the one real-time connection from the server's config (not yet connected). */
  realtime: (config: AppConfig) => Realtime;
  t: Translate;
  onConfig?: (config: AppConfig) => void;
  /** Remembers the last room across launches (localStorage); in memory when absent. */
  memory?: RoomMemory;
  now?: () => number;
}

const roomOf = (info: RoomInfo): Room => ({ id: info.id, channel: info.channel, me: info.me, partner: info.partner });

/**
 * useApp wires profile, search and chat into the app's screens and keeps the
 * Telegram chrome (BackButton, closing confirmation, haptics) in step with them.
 */
export function useApp(deps: AppDeps) {
  const { api, telegram, t } = deps;
  const memory = deps.memory ?? createRoomMemory(null);
  const stage = ref<'loading' | 'outside' | 'error' | 'ready'>('loading');
  const bootError = shallowRef<ApiError | null>(null);
  const profile = useProfile(api);
  const restriction = useRestriction({ now: deps.now });
  const report = useReportForm();
  const search = shallowRef<UseSearch | null>(null);
  const chat = shallowRef<UseChat | null>(null);
  const draft = ref<SearchFilters>({ gender: 'any', age_from: 18, age_to: 99 });
  const connection = ref<ConnectionState>('disconnected');
  const everConnected = ref(false);
  const busy = ref(false);
  const realtime = shallowRef<Realtime | null>(null);
  const appNotice = ref<Exclude<FilterNotice, 'expired'>>(null);
  /** A chat action (clearing the conversation) the server refused. */
  const chatError = shallowRef<ApiError | null>(null);
  const privacyUrl = ref(DEFAULT_PRIVACY_URL);

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

  const notice = computed<FilterNotice>(() => appNotice.value ?? search.value?.notice.value ?? null);

  /** showChat puts a room on screen: live (subscribed) for the current room, read-only for a closed one. */
  function showChat(room: Room, mode: ChatMode, info?: RoomInfo) {
    const rt = realtime.value;
    if (!rt) return;
    chat.value?.dispose();
    chatError.value = null;
    memory.set(room.id);
    const c = useChat(room, {
      api,
      realtime: rt,
      mode,
      info,
      onIncoming: () => telegram.hapticLight(),
      onGone: () => {
        if (chat.value !== c) return;
        memory.forget();
        finishChat();
      },
    });
    chat.value = c;
  }

  function openChat() {
    const room = search.value?.room.value;
    if (!room || chat.value?.room.id === room.id) return;
    showChat(room, 'live');
  }

  /** reopenRemembered shows the last room read-only when the user has no running one (its partner may have left meanwhile). */
  async function reopenRemembered() {
    const id = memory.get();
    if (!id) return;
    try {
      const info = await api.getRoom(id);
      if (chat.value || search.value?.room.value || search.value?.searching.value) return;
      // Active but not the user's current room cannot be subscribed to: it is shown read-only too.
      showChat(roomOf(info), 'readonly', info);
    } catch (err) {
      if (isApiError(err, 'not_found') || isApiError(err, 'forbidden')) memory.forget();
    }
  }

  async function startSession() {
    const rt = realtime.value;
    const s = search.value;
    if (!rt || !s) return;
    const p = profile.profile.value;
    if (p) draft.value = s.filters.value ?? defaultFilters(p.age);
    if (rt.state === 'disconnected') rt.connect();
    await s.refresh(true);
    openChat();
    if (!chat.value && !s.searching.value && !restriction.restriction.value) await reopenRemembered();
  }

  /** endEverything is what a restriction does: the server ended room and search, the UI follows. */
  function endEverything() {
    report.hide();
    chat.value?.dispose();
    chat.value = null;
    search.value?.reset();
  }

  async function boot() {
    if (!telegram.initData) {
      stage.value = 'outside';
      return;
    }
    stage.value = 'loading';
    try {
      const config = await api.getConfig();
      privacyUrl.value = config.privacy_url?.trim() || DEFAULT_PRIVACY_URL;
      deps.onConfig?.(config);
      if (!realtime.value) {
        const rt = deps.realtime(config);
        rt.onState((s) => {
          connection.value = s;
          if (s === 'connected') everConnected.value = true;
        });
        rt.onPersonal((event) => {
          if (event.type !== 'restricted') return;
          restriction.set(event);
          endEverything();
        });
        const s = useSearch(api, rt, { onMatched: () => telegram.hapticSuccess() });
        watch(s.room, openChat);
        search.value = s;
        realtime.value = rt;
      }
      if (await profile.load()) {
        restriction.set(profile.restriction.value);
        await startSession();
      }
      stage.value = 'ready';
    } catch (err) {
      bootError.value = toApiError(err);
      stage.value = 'error';
    }
  }

  async function saveProfile(form: ProfileForm) {
    if (await profile.save(form)) await startSession();
  }

  /** startSearch begins a new search: the user moved on from the remembered room. */
  async function startSearch(filters: SearchFilters) {
    const s = search.value;
    if (!s || restriction.restriction.value) return;
    appNotice.value = null;
    memory.forget();
    await s.start({ ...filters });
    if (restriction.fromError(s.error.value)) s.error.value = null;
  }

  async function find() {
    await startSearch(draft.value);
  }

  /** finishChat takes the chat off the screen, back to the filters. */
  function finishChat() {
    chat.value?.dispose();
    chat.value = null;
    chatError.value = null;
    search.value?.reset();
  }

  /** closeChat leaves the room (the partner is told) and goes back to the filters. */
  async function closeChat() {
    const c = chat.value;
    if (!c) return;
    busy.value = true;
    try {
      if (c.mode === 'live') await c.leave();
    } finally {
      memory.forget();
      finishChat();
      busy.value = false;
    }
  }

  /** next leaves the room and searches again with the filters of the last search. */
  async function next() {
    const filters = search.value?.filters.value ?? draft.value;
    await closeChat();
    await startSearch(filters);
  }

  async function confirmLeave() {
    if (chat.value?.closed.value || (await telegram.confirm(t('leaveConfirm')))) await closeChat();
  }

  /** backToFilters leaves a closed room on screen for the filters; it is still remembered for the next launch. */
  function backToFilters() {
    if (chat.value && !chat.value.closed.value) return void confirmLeave();
    finishChat();
  }

  async function leaveAndBlock() {
    const c = chat.value;
    if (!c || !(await telegram.confirm(t('blockConfirm')))) return;
    busy.value = true;
    try {
      const ok = await c.leave({ block: true });
      memory.forget();
      finishChat();
      appNotice.value = ok ? 'blocked' : null;
    } finally {
      busy.value = false;
    }
  }

  function openReport() {
    if (chat.value) report.show();
  }

  async function submitReport() {
    const c = chat.value;
    const body = report.request();
    if (!c || !body || report.sending.value) return;
    if (!(await telegram.confirm(t('reportConfirm')))) return;
    report.sending.value = true;
    report.error.value = null;
    try {
      await c.report(body);
      report.hide();
      memory.forget();
      finishChat();
      appNotice.value = 'reported';
    } catch (err) {
      report.error.value = toApiError(err);
    } finally {
      report.sending.value = false;
    }
  }

  /** clearConversation deletes the conversation for both, after asking. */
  async function clearConversation() {
    const c = chat.value;
    if (!c || !(await telegram.confirm(t('clearConfirm')))) return;
    busy.value = true;
    chatError.value = null;
    try {
      await c.clear();
      memory.forget();
      finishChat();
      appNotice.value = 'cleared';
    } catch (err) {
      chatError.value = toApiError(err);
    } finally {
      busy.value = false;
    }
  }

  function openPrivacy() {
    telegram.openLink(privacyUrl.value);
  }

  watch(screen, (s) => {
    if (s === 'searching') telegram.setBackButton(() => void search.value?.cancel());
    else if (s === 'chat') telegram.setBackButton(() => backToFilters());
    else telegram.setBackButton(null);
  });
  watch(
    () => screen.value === 'chat' && chat.value !== null && !chat.value.closed.value,
    (inChat) => telegram.setClosingConfirmation(inChat),
  );
  // Leaving the chat screen closes the report dialog with it.
  watch(screen, (s) => s !== 'chat' && report.hide());

  return {
    stage,
    screen,
    banner,
    bootError,
    profile,
    restriction: restriction.restriction,
    report,
    search,
    chat,
    chatError,
    draft,
    busy,
    notice,
    privacyUrl,
    boot,
    saveProfile,
    find,
    next,
    leave: closeChat,
    confirmLeave,
    backToFilters,
    leaveAndBlock,
    openReport,
    submitReport,
    clearConversation,
    openPrivacy,
  };
}

export type UseApp = ReturnType<typeof useApp>;
