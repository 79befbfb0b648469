import { shallowRef } from 'vue';

/** A photo chosen in the composer, not sent yet: a thumbnail, and whether it goes as a spoiler. */
export interface Attachment {
  file: Blob;
  /** A blob URL of the chosen file, for the thumbnail; revoked when the attachment goes. */
  url: string;
  spoiler: boolean;
}

export interface AttachmentOptions {
  createUrl?: (b: Blob) => string;
  revokeUrl?: (u: string) => void;
}

/**
 * useAttachment is the photo waiting in the composer. It goes as a spoiler
 * unless the user unticks it (the partner sees it blurred until tapped);
 * the text typed meanwhile becomes its caption.
 */
export function useAttachment(opts: AttachmentOptions = {}) {
  const createUrl = opts.createUrl ?? ((b: Blob) => URL.createObjectURL(b));
  const revokeUrl = opts.revokeUrl ?? ((u: string) => URL.revokeObjectURL(u));
  const current = shallowRef<Attachment | null>(null);

  function pick(file: Blob) {
    clear();
    current.value = { file, url: createUrl(file), spoiler: true };
  }

  function setSpoiler(spoiler: boolean) {
    if (current.value) current.value = { ...current.value, spoiler };
  }

  /** take hands the attachment over for sending and empties the composer. */
  function take(): Attachment | null {
    const a = current.value;
    clear();
    return a;
  }

  function clear() {
    if (current.value) revokeUrl(current.value.url);
    current.value = null;
  }

  return { current, pick, setSpoiler, take, clear };
}
