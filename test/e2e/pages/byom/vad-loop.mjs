/**
 * Silero VAD over a stream of 512-sample frames at 16 kHz: the speech probability of each frame.
 * The model is stateful: `stateN` of one run is the `state` of the next.
 */
export async function speechProbabilities(model, frames) {
  // int64 tensors take a BigInt64Array; `sr` is a scalar (rank 0): dims [] (or [1]).
  const sr = { data: BigInt64Array.of(16000n), dims: [] };
  let state = { data: new Float32Array(2 * 1 * 128), dims: [2, 1, 128] };
  const probabilities = [];
  for (const frame of frames) {
    const input = { data: frame, dims: [1, frame.length] };
    // transfer: false copies the inputs to the worker, so `sr` and `frame` stay usable here.
    const { outputs } = await model.run({ input, state, sr }, { transfer: false });
    probabilities.push(outputs.output.data[0]);
    state = { data: outputs.stateN.data, dims: outputs.stateN.dims };
  }
  return probabilities;
}

/**
 * The same loop with the default transfer: each run moves its input buffers to the worker and
 * leaves them empty here, so every run gets buffers of its own (copies of what is kept).
 */
export async function speechProbabilitiesTransferring(model, frames) {
  let state = new Float32Array(2 * 1 * 128);
  const probabilities = [];
  for (const frame of frames) {
    const { outputs } = await model.run({
      input: { data: frame.slice(), dims: [1, frame.length] },
      state: { data: state, dims: [2, 1, 128] },
      sr: { data: BigInt64Array.of(16000n), dims: [] },
    });
    probabilities.push(outputs.output.data[0]);
    state = outputs.stateN.data; // a fresh array from the worker: ours to transfer next time
  }
  return probabilities;
}

/** Several independent streams in one run: the batch is the first dimension of every input. */
export async function speechProbabilitiesBatched(model, framesPerStream) {
  const batch = framesPerStream.length;
  const samples = framesPerStream[0].length;
  const input = new Float32Array(batch * samples);
  framesPerStream.forEach((frame, i) => input.set(frame, i * samples));
  const { outputs } = await model.run({
    input: { data: input, dims: [batch, samples] },
    state: { data: new Float32Array(2 * batch * 128), dims: [2, batch, 128] },
    sr: { data: BigInt64Array.of(16000n), dims: [] },
  });
  return Array.from(outputs.output.data); // one probability per stream
}
