/**
 * Reads one line of text with PaddleOCR's recogniser: `image` (an ImageData of the line) is
 * scaled to 48 pixels high and padded to a multiple of 8 wide by the bundle's preprocessing; the
 * output is decoded greedily (CTC) with the bundle's own character list.
 */
export async function readLine(model, image) {
  const keys = new TextDecoder().decode(await model.file('ppocr_keys_v1.txt')).split('\n');
  const alphabet = ['', ...keys.filter((k) => k !== ''), ' ']; // 0 is CTC's blank
  const { outputs } = await model.run({ image });
  const probs = outputs['softmax_11.tmp_0'];
  const [, steps, classes] = probs.dims;
  let text = '';
  let previous = 0;
  for (let t = 0; t < steps; t++) {
    let best = 0;
    for (let c = 1; c < classes; c++) {
      if (probs.data[t * classes + c] > probs.data[t * classes + best]) best = c;
    }
    if (best !== 0 && best !== previous) text += alphabet[best];
    previous = best;
  }
  return { text, dims: probs.dims };
}
