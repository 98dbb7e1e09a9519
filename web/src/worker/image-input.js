// Turning a file's bytes into the model's input tensor. Formats the C++ core decodes (PNG,
// JPEG, GIF, BMP) go straight to it: its decoder follows PIL, which the model was trained
// with. The browser's decoder takes over for what the core cannot do: other formats (WebP,
// AVIF), JPEGs whose EXIF says to rotate, and photos too large to decode at full size.

export const MAX_CORE_PIXELS = 24e6;      // above this the browser downscales first
export const BROWSER_DOWNSCALE_SHORT_SIDE = 1024;

export function sniffFormat(b) {
  if (b.length >= 8 && b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47) return 'png';
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'jpeg';
  if (b.length >= 6 && b[0] === 0x47 && b[1] === 0x49 && b[2] === 0x46) return 'gif';
  if (b.length >= 2 && b[0] === 0x42 && b[1] === 0x4d) return 'bmp';
  if (b.length >= 12 && b[8] === 0x57 && b[9] === 0x45 && b[10] === 0x42 && b[11] === 0x50) return 'webp';
  if (b.length >= 12 && String.fromCharCode(...b.subarray(4, 8)) === 'ftyp') {
    const brand = String.fromCharCode(...b.subarray(8, 12));
    return /avif|avis/.test(brand) ? 'avif' : /hei|mif1|msf1/.test(brand) ? 'heic' : 'other';
  }
  return 'other';
}

/** Pixel dimensions from a PNG or JPEG header without decoding (null if unknown). */
export function headerSize(b, format) {
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  if (format === 'png' && b.length >= 24) return { width: view.getUint32(16), height: view.getUint32(20) };
  if (format === 'jpeg') {
    let i = 2;
    while (i + 9 < b.length) {
      if (b[i] !== 0xff) { i++; continue; }
      const marker = b[i + 1];
      if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) { i += 2; continue; }
      const len = view.getUint16(i + 2);
      if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
        return { height: view.getUint16(i + 5), width: view.getUint16(i + 7) };
      }
      i += 2 + len;
    }
  }
  return null;
}

/** EXIF orientation (1–8) of a JPEG, 1 when absent or unreadable. */
export function jpegOrientation(b) {
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  let i = 2;
  while (i + 4 < b.length && b[i] === 0xff) {
    const marker = b[i + 1];
    const len = view.getUint16(i + 2);
    if (marker === 0xe1 && len > 16 && String.fromCharCode(...b.subarray(i + 4, i + 8)) === 'Exif') {
      const tiff = i + 10;
      if (tiff + 8 > b.length) return 1;
      const little = b[tiff] === 0x49;
      const u16 = (o) => view.getUint16(o, little);
      const u32 = (o) => view.getUint32(o, little);
      const ifd = tiff + u32(tiff + 4);
      if (ifd + 2 > b.length) return 1;
      const count = u16(ifd);
      for (let k = 0; k < count; k++) {
        const entry = ifd + 2 + k * 12;
        if (entry + 12 > b.length) return 1;
        if (u16(entry) === 0x0112) {
          const o = u16(entry + 8);
          return o >= 1 && o <= 8 ? o : 1;
        }
      }
      return 1;
    }
    if (marker === 0xda) return 1;  // image data begins: no EXIF before it
    i += 2 + len;
  }
  return 1;
}

async function browserPixels(bytes, format) {
  let bitmap;
  try {
    bitmap = await createImageBitmap(new Blob([bytes]), { imageOrientation: 'from-image' });
  } catch {
    return null;
  }
  let { width, height } = bitmap;
  if (width * height > MAX_CORE_PIXELS) {
    const scale = BROWSER_DOWNSCALE_SHORT_SIDE / Math.min(width, height);
    const resized = await createImageBitmap(bitmap, {
      resizeWidth: Math.max(1, Math.round(width * scale)), resizeHeight: Math.max(1, Math.round(height * scale)), resizeQuality: 'high',
    });
    bitmap.close();
    bitmap = resized;
  }
  const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  ctx.drawImage(bitmap, 0, 0);
  const data = ctx.getImageData(0, 0, bitmap.width, bitmap.height).data;
  const out = { rgba: data, width: bitmap.width, height: bitmap.height, originalWidth: width, originalHeight: height, format };
  bitmap.close();
  return out;
}

/**
 * bytes → {tensor, crop, width, height, decoder, format, downscaled}. Throws an Error with a
 * message a reader can act on when the file is not a usable image.
 */
export async function imageToTensor(core, bytes, { size, mean, std }) {
  if (bytes.byteLength === 0) throw new Error('the file is empty (0 bytes)');
  const format = sniffFormat(bytes);
  const dims = headerSize(bytes, format);
  const coreCan = ['png', 'jpeg', 'gif', 'bmp'].includes(format);
  const rotated = format === 'jpeg' && jpegOrientation(bytes) !== 1;
  const tooBig = dims && dims.width * dims.height > MAX_CORE_PIXELS;
  let coreError = null;
  if (coreCan && !rotated && !tooBig) {
    try {
      const r = core.preprocessEncoded(bytes, size, mean, std);
      return { ...r, decoder: 'core', format: r.format || format, downscaled: false };
    } catch (err) {
      coreError = err;
    }
  }
  const px = await browserPixels(bytes, format);
  if (!px) {
    if (coreError) throw new Error(coreError.message);
    if (format === 'heic') throw new Error('this is a HEIC/HEIF photo, which this browser cannot decode: export it as JPEG or PNG');
    throw new Error('this file is not an image the browser can decode (try PNG, JPEG, GIF, BMP or WebP)');
  }
  const r = core.preprocessRGBA(px.rgba, px.width, px.height, size, mean, std);
  return {
    ...r, width: px.originalWidth, height: px.originalHeight, decoder: 'browser', format,
    downscaled: px.width !== px.originalWidth, rotated,
  };
}
