// Test helper (not a documentation example): a line of text drawn as a canvas would hold it.

/** `text` in black on white, `size` px DejaVu Sans, upside down when `flip`; an ImageData. */
export function renderLine(text, { size = 32, flip = false } = {}) {
  const measure = new OffscreenCanvas(1, 1).getContext('2d');
  measure.font = `${size}px "DejaVu Sans"`;
  const width = Math.ceil(measure.measureText(text).width) + size;
  const height = Math.round(size * 1.5);
  const canvas = new OffscreenCanvas(width, height);
  const context = canvas.getContext('2d');
  context.fillStyle = '#fff';
  context.fillRect(0, 0, width, height);
  if (flip) {
    context.translate(width, height);
    context.rotate(Math.PI);
  }
  context.fillStyle = '#000';
  context.font = `${size}px "DejaVu Sans"`;
  context.textBaseline = 'middle';
  context.fillText(text, size / 2, height / 2);
  return context.getImageData(0, 0, width, height);
}
