import { computed, ref, shallowRef, watch } from 'vue';
import type { ApiClient } from '../api/client';
import { ApiError, isApiError } from '../api/errors';
import type { AppConfig, Rating, Room, RoomInfo, SearchFilters } from '../api/types';
import type { MessageKey, Translate } from '../i18n';
import type { ConnectionState, Realtime } from '../realtime/types';
import type { TelegramBridge } from '../telegram/bridge';
import { createMediaCache, type MediaCache } from './chat/mediaCache';
import type { RecorderEnv } from './chat/recorder';
import { createRoomMemory, type KeyValueStore, type RoomMemory } from './roomMemory';
import { useChat, type ChatMode, type UseChat } from './useChat';
import { useProfile, type ProfileForm } from './useProfile';
import { createQueueWatch } from './useQueue';
import { useRating } from './useRating';
import { useRecent } from './useRecent';
import { useReportForm } from './useReportForm';
import { useRestriction } from './useRestriction';
import {
  DEFAULT_SEARCH_TTL_S,
  defaultFilters,
  filtersValid,
  searchTtlOf,
  toApiError,
  useSearch,
  type SearchNotice,
  type UseSearch,
} from './useSearch';

export type Screen = 'loading' | 'outside' | 'expired' | 'error' | 'onboarding' | 'profile' | 'filters' | 'recent' | 'searching' | 'chat';
export type Banner = 'connecting' | 'reconnecting' | null;
/** What the filter screen tells the user on arrival. */
export type FilterNotice = Exclude<SearchNotice, null> | 'reported' | 'blocked' | 'cleared' | null;

export const DEFAULT_PRIVACY_URL = '/privacy';
/** Where the last search's filters are kept (Telegram CloudStorage/DeviceStorage, else localStorage). */
export const FILTERS_KEY = 'filters';
/** Set once the "add to home screen" offer was made. */
export const HOME_OFFER_KEY = 'home_offer';
/** A chat in which each side wrote at least this many messages was a good one (the home-screen offer follows it). */
export const GOOD_CHAT_MESSAGES = 3;

export interface AppDeps {
  api: ApiClient;
  telegram: TelegramBridge;
  /** Builds the one real-time connection from the server's config (not yet connected). */
  realtime: (config: AppConfig) => Realtime;
  t: Translate;
  onConfig?: (config: AppConfig) => void;
  clipboard?: Pick<Clipboard, 'writeText'>;
  /** Remembers the last room across launches (localStorage); in memory when absent. */
  memory?: RoomMemory;
  /** Keeps unsent messages across launches (localStorage). */
  outboxStore?: KeyValueStore | null;
  /** The session's media (photos and voice messages as blob URLs); made from `api` when absent. */
  mediaCache?: MediaCache;
  /** The microphone and MediaRecorder where the platform has them (recorder.ts). */
  recorderEnv?: RecorderEnv;
  /** Remembers which ended rooms were asked "How was it?" (localStorage); in memory when absent. */
  ratingStore?: KeyValueStore | null;
  /** How long a search waits before the app suggests a wider filter (useSearch's WIDEN_AFTER_MS unless set). */
  widenAfterMs?: number;
  now?: () => number;
}

const roomOf = (info: RoomInfo): Room => {
  const r: Room = { id: info.id, channel: info.channel, me: info.me, partner: info.partner };
  if (info.shared_interests?.length) r.shared_interests = info.shared_interests;
  return r;
};

/**
 * useApp wires profile, search and chat into the app's screens and keeps the
 * Telegram chrome (BackButton, closing confirmation, haptics) in step with them.
 */
export function useApp(deps: AppDeps) {
  const { api, telegram, t } = deps;
  const memory = deps.memory ?? createRoomMemory(null);
  const stage = ref<'loading' | 'outside' | 'expired' | 'error' | 'ready'>('loading');
  const editingProfile = ref(false);
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
  const mediaCache = deps.mediaCache ?? createMediaCache({ api });
  /** The interests a profile may name (GET /api/config). */
  const interests = ref<string[]>([]);
  /** How long a waiting search lasts, in seconds (GET /api/config's search_ttl_s). */
  const searchTtlS = ref(DEFAULT_SEARCH_TTL_S);
  /** "Recent chats" is open (from the filters screen). */
  const showingRecent = ref(false);
  const recent = useRecent({ api, onRestricted: (err) => restriction.fromError(err) });
  const rating = useRating({ api, store: deps.ratingStore });
  /** Who is around for the filter being chosen on the filters screen. */
  const queue = createQueueWatch({ api });

  const screen = computed<Screen>(() => {
    if (stage.value !== 'ready') return stage.value;
    if (!profile.profile.value) return 'onboarding';
    if (editingProfile.value && !chat.value && !search.value?.searching.value) return 'profile';
    if (chat.value) return 'chat';
    if (search.value?.searching.value) return 'searching';
    if (showingRecent.value) return 'recent';
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
    offScreen(chat.value);
    chat.value?.dispose();
    chatError.value = null;
    showingRecent.value = false;
    editingProfile.value = false;
    memory.set(room.id);
    const c = useChat(room, {
      api,
      realtime: rt,
      mode,
      info,
      outboxStore: deps.outboxStore,
      cache: mediaCache,
      recorderEnv: deps.recorderEnv,
      myAge: profile.profile.value?.age,
      onIncoming: () => telegram.hapticLight(),
      onClosed: () => void maybeOfferHomeScreen(c),
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

  /** rememberedFilters are the last search's filters, when they still fit the user's age. */
  async function rememberedFilters(age: number): Promise<SearchFilters | null> {
    try {
      const raw = await telegram.storage.get(FILTERS_KEY);
      if (!raw) return null;
      const f: unknown = JSON.parse(raw);
      if (typeof f !== 'object' || f === null) return null;
      const { gender, age_from, age_to } = f as Record<string, unknown>;
      if ((gender !== 'any' && gender !== 'male' && gender !== 'female') || typeof age_from !== 'number' || typeof age_to !== 'number') return null;
      const filters: SearchFilters = { gender, age_from, age_to };
      return filtersValid(filters, age) ? filters : null;
    } catch {
      return null;
    }
  }

  async function startSession() {
    const rt = realtime.value;
    const s = search.value;
    if (!rt || !s) return;
    const p = profile.profile.value;
    if (p) draft.value = s.filters.value ?? (await rememberedFilters(p.age)) ?? defaultFilters(p.age);
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

  /** expireSession: an API call answered 401, so nothing can work until the app is opened again from the bot. */
  function expireSession() {
    if (stage.value === 'outside') return;
    stage.value = 'expired';
    endEverything();
    realtime.value = null;
  }

  // A function, not a comparison, so TypeScript does not narrow the stage across awaits.
  const expired = () => stage.value === 'expired';

  async function boot() {
    if (!telegram.initData) {
      stage.value = 'outside';
      return;
    }
    stage.value = 'loading';
    try {
      const config = await api.getConfig();
      privacyUrl.value = config.privacy_url?.trim() || DEFAULT_PRIVACY_URL;
      interests.value = Array.isArray(config.interests) ? config.interests.filter((x) => typeof x === 'string') : [];
      searchTtlS.value = searchTtlOf(config);
      deps.onConfig?.(config);
      if (!realtime.value) {
        const rt = deps.realtime(config);
        rt.onState((s) => {
          connection.value = s;
          if (s === 'connected') everConnected.value = true;
        });
        rt.onPersonal((event) => {
          if (event.type === 'matched') return adoptMatch(event.room);
          if (event.type !== 'restricted') return;
          restriction.set(event);
          endEverything();
        });
        const s = useSearch(api, rt, { onMatched: () => telegram.hapticSuccess(), now: deps.now, widenAfterMs: deps.widenAfterMs });
        watch(s.room, openChat);
        // A room both wished to open again may have been pushed while the socket was down.
        rt.onConnected(({ reconnect }) => {
          if (reconnect && screen.value === 'recent') void s.refresh(true);
        });
        search.value = s;
        realtime.value = rt;
      }
      if (await profile.load()) {
        restriction.set(profile.restriction.value);
        await startSession();
      }
      if (!expired()) stage.value = 'ready';
    } catch (err) {
      if (expired()) return;
      bootError.value = toApiError(err);
      stage.value = isApiError(err, 'unauthorized') ? 'expired' : 'error';
    }
  }

  async function saveProfile(form: ProfileForm) {
    const editing = editingProfile.value;
    if (!(await profile.save(form))) return;
    editingProfile.value = false;
    if (editing) {
      const p = profile.profile.value;
      // An age change may move the user between the minors' and the adults' pools.
      if (p && !filtersValid(draft.value, p.age)) draft.value = defaultFilters(p.age);
      return;
    }
    await startSession();
  }

  function editProfile() {
    if (!chat.value && !search.value?.searching.value) editingProfile.value = true;
  }

  function cancelEditProfile() {
    editingProfile.value = false;
  }

  /** startSearch begins a new search: the user moved on from the remembered room. */
  async function startSearch(filters: SearchFilters) {
    const s = search.value;
    if (!s || restriction.restriction.value) return;
    appNotice.value = null;
    memory.forget();
    void telegram.storage.set(FILTERS_KEY, JSON.stringify(filters));
    await s.start({ ...filters });
    if (restriction.fromError(s.error.value)) s.error.value = null;
  }

  async function find() {
    await startSearch(draft.value);
  }

  /**
   * adoptMatch opens a room pushed while no search of this app's runs: both
   * wished to talk again (possibly from "Recent chats"). A search's match is
   * useSearch's; a live chat on screen is never replaced (the server keeps
   * such a pair waiting until the chat ends).
   */
  function adoptMatch(room: Room) {
    const s = search.value;
    if (!s || s.searching.value) return;
    const c = chat.value;
    if (c?.room.id === room.id || (c && c.mode === 'live' && !c.closed.value)) return;
    if (c) finishChat();
    s.adopt(room);
  }

  /** offScreen: an ended chat leaves the screen; a "How was it?" it showed is not asked again. */
  function offScreen(c: UseChat | null) {
    if (c && c.closed.value && rating.prompt(c.room.id) === 'ask') rating.skip(c.room.id);
  }

  /** finishChat takes the chat off the screen, back to the filters. */
  function finishChat() {
    offScreen(chat.value);
    chat.value?.dispose();
    chat.value = null;
    chatError.value = null;
    search.value?.reset();
  }

  /** leaveRoom tells the server; the finished conversation stays on screen (and remembered) to be read. */
  async function leaveRoom(): Promise<void> {
    const c = chat.value;
    if (!c || c.closed.value) return;
    busy.value = true;
    try {
      await c.leave();
    } finally {
      busy.value = false;
    }
  }

  /** leave asks first, then leaves; the user stays on the closed conversation. */
  async function leave() {
    const c = chat.value;
    if (!c || c.closed.value || !(await telegram.confirm(t('leaveConfirm')))) return;
    await leaveRoom();
  }

  /** next asks first (in a running chat), leaves, and searches again with the filters of the last search. */
  async function next() {
    const c = chat.value;
    const filters = search.value?.filters.value ?? draft.value;
    if (c && !c.closed.value) {
      if (!(await telegram.confirm(t('nextConfirm')))) return;
      await leaveRoom();
    }
    finishChat();
    await startSearch(filters);
  }

  /** backToFilters is the Back button: a running chat asks and leaves; the room stays remembered for the next launch. */
  async function backToFilters() {
    const c = chat.value;
    if (c && !c.closed.value) {
      if (!(await telegram.confirm(t('leaveConfirm')))) return;
      await leaveRoom();
    }
    finishChat();
  }

  /** maybeOfferHomeScreen offers "add to home screen" once, after the first chat where both wrote a few messages. */
  async function maybeOfferHomeScreen(c: UseChat) {
    const mine = c.items.value.filter((i) => i.kind === 'message' && i.mine && i.id !== null).length;
    const theirs = c.items.value.filter((i) => i.kind === 'message' && !i.mine).length;
    if (mine < GOOD_CHAT_MESSAGES || theirs < GOOD_CHAT_MESSAGES) return;
    if (await telegram.storage.get(HOME_OFFER_KEY)) return;
    await telegram.storage.set(HOME_OFFER_KEY, '1');
    await telegram.offerHomeScreen();
  }

  async function leaveAndBlock() {
    const c = chat.value;
    if (!c || !(await telegram.confirm(t(c.closed.value ? 'blockClosedConfirm' : 'blockConfirm')))) return;
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
    // The sheet is the confirmation: one question per action.
    if (!c || !body || report.sending.value) return;
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

  /** openRecent shows "Recent chats" (from the filters screen). */
  function openRecent() {
    if (chat.value || search.value?.searching.value) return;
    showingRecent.value = true;
    void recent.load();
    // A room both wished for may have opened while this app was not listening.
    void search.value?.refresh(true);
  }

  function closeRecent() {
    showingRecent.value = false;
    recent.clear();
  }

  /**
   * widen takes the waiting screen's suggestion: the search stops and starts
   * again with the wider filter, which is remembered like any search's.
   */
  async function widen() {
    const s = search.value;
    const w = s?.suggestion.value;
    if (!s || !w) return;
    const filters: SearchFilters = { gender: w.gender, age_from: w.age_from, age_to: w.age_to };
    await s.cancel();
    if (s.phase.value !== 'idle') return; // matched meanwhile
    draft.value = filters;
    await startSearch(filters);
  }

  /** The ended chat on screen asks "How was it?" once (null: nothing to ask). */
  const ratingPrompt = computed(() => {
    const c = chat.value;
    if (!c || !c.closed.value || c.gone.value) return null;
    return rating.prompt(c.room.id);
  });

  function rate(value: Rating) {
    const c = chat.value;
    if (c && c.closed.value) rating.answer(c.room.id, value);
  }

  function skipRating() {
    const c = chat.value;
    if (c) rating.skip(c.room.id);
  }

  /** A short notice at the bottom ("Copied"). */
  const toast = ref<MessageKey | null>(null);
  let toastTimer: ReturnType<typeof setTimeout> | undefined;
  function showToast(key: MessageKey) {
    toast.value = key;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => (toast.value = null), 1800);
  }

  /** copy puts a message's text on the clipboard. */
  async function copy(text: string) {
    try {
      await (deps.clipboard ?? navigator.clipboard).writeText(text);
      telegram.hapticSelection();
      showToast('copied');
    } catch {
      // No clipboard access (an old webview): nothing to say that would help.
    }
  }

  /** openExternal opens a link from a message outside the app, through Telegram. */
  function openExternal(url: string) {
    telegram.openLink(url);
  }

  // A photo open full screen: Back closes it (and only it).
  const viewing = computed(() => (screen.value === 'chat' ? (chat.value?.viewing.value ?? null) : null));
  watch([screen, viewing], ([s, v]) => {
    if (s === 'chat' && v !== null) telegram.setBackButton(() => chat.value?.media({ type: 'close' }));
    else if (s === 'searching') telegram.setBackButton(() => void search.value?.cancel());
    else if (s === 'chat') telegram.setBackButton(() => void backToFilters());
    else if (s === 'profile') telegram.setBackButton(() => cancelEditProfile());
    else if (s === 'recent') telegram.setBackButton(() => closeRecent());
    else telegram.setBackButton(null);
    // In a chat a swipe down scrolls the conversation; it must not close the app.
    telegram.setVerticalSwipes(s !== 'chat');
  });
  watch(
    () => screen.value === 'chat' && chat.value !== null && !chat.value.closed.value,
    (inChat) => telegram.setClosingConfirmation(inChat),
  );
  // Leaving the chat screen closes the report dialog with it.
  watch(screen, (s) => s !== 'chat' && report.hide());
  // The filters screen counts who is around for the filter being chosen.
  watch(
    () => {
      const p = profile.profile.value;
      const f = draft.value;
      return screen.value === 'filters' && p && !restriction.restriction.value && filtersValid(f, p.age) ? { ...f } : null;
    },
    (f) => queue.watch(f),
    { immediate: true },
  );

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
    interests,
    searchTtlS,
    teenMode: profile.teenMode,
    queue: queue.status,
    recent,
    ratingPrompt,
    dev: telegram.dev,
    inTelegram: telegram.inTelegram,
    nativeBack: telegram.nativeBack,
    boot,
    expireSession,
    saveProfile,
    editProfile,
    cancelEditProfile,
    closeApp: () => telegram.close(),
    find,
    next,
    leave,
    backToFilters,
    leaveAndBlock,
    openReport,
    submitReport,
    clearConversation,
    openPrivacy,
    openRecent,
    closeRecent,
    widen,
    rate,
    skipRating,
    copy,
    openExternal,
    toast,
  };
}

export type UseApp = ReturnType<typeof useApp>;
