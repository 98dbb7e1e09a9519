// Where models come from besides this server's models/ folder: the Hugging Face hub (when
// online) and files the reader picks from disk. CLIP ViT-B/32's preprocessing constants are
// the published ones.
export const CLIP_MEAN = [0.48145466, 0.4578275, 0.40821073];
export const CLIP_STD = [0.26862954, 0.26130258, 0.27577711];

export const HUB_MODEL_ID = 'clip-vit-b32-hub';
export const LOCAL_MODEL_ID = 'local-files';
export const SERVER_REAL_MODEL_ID = 'clip-vit-b32';

// The hub repository with ONNX exports of openai/clip-vit-base-patch32. Pin REVISION to a
// commit hash for reproducible downloads; the hub publishes no checksum the page can read
// before downloading, so sizes and SHA-256 are recorded on arrival (see model-store.js).
export const HUB_REPO = 'Xenova/clip-vit-base-patch32';
export const HUB_REVISION = 'main';

const hubUrl = (file) => `https://huggingface.co/${HUB_REPO}/resolve/${HUB_REVISION}/${file}`;

export function hubManifest() {
  return {
    id: HUB_MODEL_ID,
    name: 'CLIP ViT-B/32 (OpenAI), quantized ONNX export from the Hugging Face hub',
    description: `${HUB_REPO} at revision ${HUB_REVISION}`,
    source: `https://huggingface.co/${HUB_REPO}`,
    license: 'MIT (OpenAI CLIP)',
    embed_dim: 512,
    logit_scale: 100,
    image: { size: 224, mean: CLIP_MEAN, std: CLIP_STD },
    tokenizer: { url: hubUrl('tokenizer.json'), bytes: null, sha256: null, context_length: 77 },
    vision: { url: hubUrl('onnx/vision_model_quantized.onnx'), bytes: null, sha256: null, input: 'pixel_values', output: 'image_embeds', quantization: 'uint8 (dynamic)' },
    text: { url: hubUrl('onnx/text_model_quantized.onnx'), bytes: null, sha256: null, input: 'input_ids', output: 'text_embeds', input_type: 'int64', dynamic_length: true, quantization: 'uint8 (dynamic)' },
    approx_bytes: 155_000_000,
  };
}
