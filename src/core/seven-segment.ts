// Which of the seven segments (a top, b top right, c bottom right, d bottom, e bottom left,
// f top left, g middle) draw each digit 0-9: the shape many KPPS officers trace along the form's
// dotted guide. Shared by everything that draws digits (demo photos, synthetic boxes and pages).
export const DIGIT_SEGMENTS: readonly string[] = [
  'abcdef',
  'bc',
  'abged',
  'abgcd',
  'fgbc',
  'afgcd',
  'afgedc',
  'abc',
  'abcdefg',
  'abcdfg',
];
