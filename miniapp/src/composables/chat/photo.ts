/** The longest side of a photo as the app uploads it: big enough for a phone screen, a fraction of a camera's bytes. */
export const PHOTO_MAX_SIDE = 1600;
/** JPEG quality of the re-encoded photo. */
export const PHOTO_QUALITY = 0.85;

/** fitWithin scales a size down (never up) so its longest side is at most `max`, keeping the aspect ratio. */
export function fitWithin(width: number, height: number, max = PHOTO_MAX_SIDE): { width: number; height: number } {
  if (width <= 0 || height <= 0) return { width: 0, height: 0 };
  const scale = Math.min(1, max / Math.max(width, height));
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
}

export interface PreparedPhoto {
  /** A JPEG without any metadata: drawing on a canvas keeps pixels only, so EXIF (GPS, device) never leaves the phone. */
  blob: Blob;
  width: number;
  height: number;
}

/** PhotoError: the chosen file is not a picture this browser can decode. */
export class PhotoError extends Error {
  override readonly name = 'PhotoError';
}

interface Decoded {
  source: CanvasImageSource;
  width: number;
  height: number;
  close(): void;
}

/**
 * decode reads a picture upright: createImageBitmap with imageOrientation
 * 'from-image' applies the EXIF orientation (a phone's portrait photo is
 * stored sideways with a "rotate 90°" tag). Where that is missing or
 * refuses the file, an <img> does the same (browsers orient images by
 * their EXIF, and drawImage draws them as shown).
 */
async function decode(file: Blob): Promise<Decoded> {
  if (typeof createImageBitmap === 'function') {
    try {
      const bmp = await createImageBitmap(file, { imageOrientation: 'from-image' });
      return { source: bmp, width: bmp.width, height: bmp.height, close: () => bmp.close() };
    } catch {
      // An older engine without the option, or a format only <img> decodes (HEIC in Safari).
    }
  }
  const url = URL.createObjectURL(file);
  const img = new Image();
  img.src = url;
  try {
    await img.decode();
  } catch {
    URL.revokeObjectURL(url);
    throw new PhotoError('the file is not a picture this browser can read');
  }
  return { source: img, width: img.naturalWidth, height: img.naturalHeight, close: () => URL.revokeObjectURL(url) };
}

async function encode(d: Decoded, width: number, height: number): Promise<Blob> {
  if (typeof OffscreenCanvas === 'function') {
    const canvas = new OffscreenCanvas(width, height);
    const ctx = canvas.getContext('2d');
    if (ctx) {
      ctx.fillStyle = '#fff'; // a transparent PNG becomes white, not black
      ctx.fillRect(0, 0, width, height);
      ctx.drawImage(d.source, 0, 0, width, height);
      return canvas.convertToBlob({ type: 'image/jpeg', quality: PHOTO_QUALITY });
    }
  }
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new PhotoError('no canvas to draw the photo on');
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, width, height);
  ctx.drawImage(d.source, 0, 0, width, height);
  return new Promise((resolve, reject) =>
    canvas.toBlob((b) => (b ? resolve(b) : reject(new PhotoError('the photo could not be encoded'))), 'image/jpeg', PHOTO_QUALITY),
  );
}

/**
 * preparePhoto turns a chosen picture into what the app uploads: upright,
 * at most PHOTO_MAX_SIDE on its longest side, a JPEG with no metadata. The
 * server decodes and re-encodes it again (it never trusts the client), but
 * a photo's location should not even leave the phone.
 */
export async function preparePhoto(file: Blob): Promise<PreparedPhoto> {
  const d = await decode(file);
  try {
    if (d.width <= 0 || d.height <= 0) throw new PhotoError('the picture has no pixels');
    const size = fitWithin(d.width, d.height);
    const blob = await encode(d, size.width, size.height);
    return { blob, ...size };
  } finally {
    d.close();
  }
}
