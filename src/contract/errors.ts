// The catalogue of the API's error codes: every code a refusal of the API can carry, its HTTP
// status (or statuses), and the words for people in Bahasa Indonesia and English. It is the
// source: the server builds every refusal from it (src/server/errors.ts `apiError`), the OpenAPI
// document lists it, and docs/errors.md's table (which also says when each code is answered) is
// checked against it by test/validation.test.ts.
//
// A code has one status, except where the same failure has two answers that clients tell apart
// by status (`status` is then a list, and the server names the status it answers each time):
// `bad_offset` (400 malformed, 403 missing), `length_required` (400 from tus, 411 a library's),
// `quota_exceeded` (413: this request can never fit, 429: wait), `unknown_photo` (404: no such
// photo, 422: a submission names a photo its TPS did not upload). `bad_request` and
// `internal_error` are also the fallback of a library's refusal without a code of ours: they keep
// that library's status (another 4xx, another 5xx).
import * as z from 'zod';

/** One code of the catalogue: its status (or statuses) and its words for people. */
export type ErrorSpec = {
  readonly status: number | readonly number[];
  /** Bahasa Indonesia. */
  readonly id: string;
  /** English. */
  readonly en: string;
};

export const ERRORS = {
  bad_code: { status: 400, id: 'Kode wilayah atau TPS tidak sah', en: 'Not a region or TPS code' },
  bad_content_length: {
    status: 400,
    id: 'Panjang isi permintaan tidak sesuai Content-Length',
    en: 'The body is not as long as its Content-Length',
  },
  bad_key: {
    status: 400,
    id: 'Kunci publik perangkat tidak sah',
    en: 'Not a valid device public key',
  },
  bad_length: {
    status: 400,
    id: 'Upload-Length bukan jumlah byte yang utuh',
    en: 'Upload-Length is not a whole number of bytes',
  },
  bad_metadata: {
    status: 400,
    id: 'Upload-Metadata tidak sah',
    en: 'Upload-Metadata is not valid',
  },
  bad_offset: {
    status: [400, 403],
    id: 'Upload-Offset tidak ada atau tidak sah',
    en: 'Upload-Offset is missing or not valid',
  },
  bad_request: { status: 400, id: 'Permintaan tidak sah', en: 'Malformed request' },
  bad_signature: {
    status: 403,
    id: 'Tanda tangan tidak cocok dengan kunci perangkat',
    en: "The signature does not match the device's key",
  },
  bad_token: {
    status: 401,
    id: 'Token KPPS tidak dikenal atau sudah dicabut',
    en: 'Unknown or revoked KPPS token',
  },
  bad_url: {
    status: 400,
    id: 'URL memuat %-escape yang bukan UTF-8',
    en: 'The URL holds a %-escape that is not UTF-8',
  },
  checksum_mismatch: {
    status: 460,
    id: 'Byte yang diterima tidak cocok dengan sha256 yang dinyatakan',
    en: 'The bytes received do not match the declared sha256',
  },
  conflict: {
    status: 409,
    id: 'Permintaan bertentangan dengan data di server',
    en: 'The request conflicts with what the server holds',
  },
  correction_breaks_rules: {
    status: 422,
    id: 'Angka koreksi melanggar aturan formulir',
    en: "The corrected numbers break the form's rules",
  },
  csrf_mismatch: {
    status: 403,
    id: 'Token CSRF tidak ada atau tidak cocok dengan sesi',
    en: 'The CSRF token is missing or does not match the session',
  },
  device_limit: {
    status: 409,
    id: 'Token ini sudah mendaftarkan perangkat sebanyak yang diizinkan',
    en: 'This token has enrolled as many devices as it may',
  },
  device_revoked: {
    status: 403,
    id: 'Kunci perangkat ini sudah dicabut',
    en: 'This device key was revoked',
  },
  duplicate_part: {
    status: 400,
    id: 'Bagian kiriman yang sama dikirim dua kali',
    en: 'A part of the submission was sent twice',
  },
  forbidden: { status: 403, id: 'Tidak diizinkan', en: 'Forbidden' },
  headers_too_large: {
    status: 431,
    id: 'Header permintaan terlalu besar',
    en: 'The request headers are too large',
  },
  internal_error: {
    status: 500,
    id: 'Terjadi kesalahan di server',
    en: 'Internal error',
  },
  invalid_photo: {
    status: 422,
    id: 'Foto tidak utuh atau tidak dapat dibaca',
    en: 'The photo is not a whole, readable image',
  },
  invalid_result: {
    status: 422,
    id: 'Angka C.Hasil tidak sah',
    en: 'The C.Hasil numbers are not valid',
  },
  key_in_use: {
    status: 409,
    id: 'Kunci ini sudah terdaftar untuk TPS lain',
    en: 'This key is enrolled for another TPS',
  },
  length_required: {
    status: [400, 411],
    id: 'Ukuran unggahan harus dinyatakan',
    en: 'The upload length is required',
  },
  login_refused: {
    status: 401,
    id: 'Nama atau kata sandi salah, atau akun dinonaktifkan',
    en: 'Wrong name or password, or the account is disabled',
  },
  malformed_json: {
    status: 400,
    id: 'Isi permintaan bukan JSON yang sah',
    en: 'The body is not valid JSON',
  },
  malformed_multipart: {
    status: 400,
    id: 'Isi multipart/form-data tidak utuh atau tidak sah',
    en: 'The multipart/form-data body is cut off or malformed',
  },
  malformed_observations: {
    status: 400,
    id: 'Catatan sinyal tidak sah',
    en: 'The signal observations are not valid',
  },
  malformed_photos: {
    status: 400,
    id: 'Bagian "photos" tidak sah',
    en: 'The "photos" part is not valid',
  },
  malformed_request: {
    status: 400,
    id: 'Isi permintaan tidak sesuai skemanya',
    en: 'The body does not fit its schema',
  },
  malformed_signature: {
    status: 400,
    id: 'Bagian "signature" tidak sah',
    en: 'The "signature" part is not valid',
  },
  method_not_allowed: {
    status: 405,
    id: 'Metode ini tidak diizinkan di sini',
    en: 'This method is not allowed here',
  },
  missing_photo: {
    status: 400,
    id: 'Kiriman tanpa foto formulir',
    en: 'The submission has no photo of the form',
  },
  missing_result: {
    status: 400,
    id: 'Kiriman tanpa bagian "result"',
    en: 'The submission has no "result" part',
  },
  no_token: {
    status: 401,
    id: 'Token KPPS diperlukan',
    en: 'A KPPS bearer token is required',
  },
  nothing_to_confirm: {
    status: 409,
    id: 'Versi ini tidak ditahan: tidak ada yang perlu dikonfirmasi',
    en: 'This version is not held: there is nothing to confirm',
  },
  not_acceptable: {
    status: 406,
    id: 'Permintaan tidak dapat diterima di sini',
    en: 'The request is not acceptable here',
  },
  not_found: { status: 404, id: 'Alamat tidak ditemukan', en: 'No such route' },
  not_implemented: {
    status: 501,
    id: 'Ekstensi tus ini tidak didukung',
    en: 'This tus extension is not supported',
  },
  not_logged_in: {
    status: 401,
    id: 'Belum masuk, atau sesi sudah berakhir',
    en: 'Not logged in, or the session has ended',
  },
  not_multipart: {
    status: 415,
    id: 'Kiriman harus berupa multipart/form-data',
    en: 'A submission must be multipart/form-data',
  },
  offset_mismatch: {
    status: 409,
    id: 'Upload-Offset tidak sama dengan yang tersimpan di server',
    en: 'Upload-Offset is not the offset the server holds',
  },
  outside_region: {
    status: 403,
    id: 'Di luar wilayah akun ini',
    en: "Outside this account's region",
  },
  must_change_password: {
    status: 403,
    id: 'Ganti kata sandi sekali pakai terlebih dahulu',
    en: 'Change the one-time password first',
  },
  password_too_weak: {
    status: 422,
    id: 'Kata sandi baru terlalu lemah',
    en: 'The new password is too weak',
  },
  payload_too_large: {
    status: 413,
    id: 'Isi permintaan terlalu besar',
    en: 'The body is too large',
  },
  photo_corrupt: {
    status: 500,
    id: 'Foto yang tersimpan rusak',
    en: 'The stored photo is damaged',
  },
  quota_exceeded: {
    status: [413, 429],
    id: 'Kuota TPS terlampaui',
    en: 'A quota of the TPS is exceeded',
  },
  rate_limited: {
    status: 429,
    id: 'Terlalu banyak permintaan; coba lagi nanti',
    en: 'Too many requests; try again later',
  },
  recap_closed: {
    status: 409,
    id: 'Rekapitulasi di atas TPS ini sudah ditutup; buka kembali dahulu',
    en: 'A recap above this TPS is closed; reopen it first',
  },
  recap_already_closed: {
    status: 409,
    id: 'Rekapitulasi tingkat ini sudah ditutup',
    en: "This level's recap is already closed",
  },
  recap_never_closed: {
    status: 404,
    id: 'Rekapitulasi tingkat ini belum pernah ditutup: belum ada D.Hasil',
    en: "This level's recap was never closed: there is no D.Hasil",
  },
  recap_not_closed: {
    status: 409,
    id: 'Rekapitulasi tingkat ini tidak dalam keadaan ditutup',
    en: "This level's recap is not closed",
  },
  recap_not_ready: {
    status: 409,
    id: 'Belum semua TPS atau wilayah di bawahnya selesai',
    en: 'Not every TPS or region below is resolved or closed yet',
  },
  parent_recap_closed: {
    status: 409,
    id: 'Rekapitulasi tingkat di atasnya masih ditutup: buka itu dulu',
    en: 'The recap of a level above is closed: reopen it first',
  },
  no_recap_level: {
    status: 400,
    id: 'Tingkat ini tidak menutup rekapitulasi (mulai dari kecamatan)',
    en: 'This level closes no recap (recaps close from the kecamatan up)',
  },
  dhasil_corrupt: {
    status: 500,
    id: 'D.Hasil yang tersimpan tidak cocok dengan catatannya',
    en: 'The stored D.Hasil does not match its record',
  },
  region_too_large: {
    status: 400,
    id: 'Wilayah terlalu besar untuk diperiksa sekaligus',
    en: 'The region is too large to audit at once',
  },
  request_timeout: {
    status: 408,
    id: 'Permintaan datang terlalu lambat',
    en: 'The request took too long to arrive',
  },
  server_busy: {
    status: 503,
    id: 'Server sedang sibuk; coba lagi nanti',
    en: 'The server is busy; try again later',
  },
  signature_required: {
    status: 403,
    id: 'Kiriman TPS ini harus ditandatangani perangkatnya',
    en: "This TPS's submissions must be signed by its device",
  },
  stale_version: {
    status: 409,
    id: 'Versi ini bukan yang terbaru: ada yang bertindak lebih dahulu',
    en: 'This is not the latest version: someone acted first',
  },
  storage_full: {
    status: 503,
    id: 'Penyimpanan server penuh; coba lagi nanti',
    en: 'The server has no room left; try again later',
  },
  too_many_parts: {
    status: 400,
    id: 'Terlalu banyak bagian dalam kiriman',
    en: 'Too many parts in the submission',
  },
  too_many_photos: {
    status: 400,
    id: 'Terlalu banyak foto dalam satu kiriman',
    en: 'Too many photos in one submission',
  },
  tus_resumable_required: {
    status: 412,
    id: 'Header Tus-Resumable: 1.0.0 diperlukan',
    en: 'Tus-Resumable: 1.0.0 is required',
  },
  unauthorized: { status: 401, id: 'Kredensial diperlukan', en: 'A credential is required' },
  unavailable: {
    status: 503,
    id: 'Server tidak dapat melayani sekarang; coba lagi nanti',
    en: 'The server cannot take this now; try again later',
  },
  unknown_ballot: {
    status: 400,
    id: 'Jenis pemilihan tidak dikenal',
    en: 'Unknown ballot',
  },
  unknown_device: {
    status: 403,
    id: 'Perangkat tidak terdaftar untuk TPS ini',
    en: 'The device is not enrolled for this TPS',
  },
  unknown_objection: {
    status: 404,
    id: 'Keberatan tidak ditemukan atau sudah dijawab',
    en: 'No such open objection',
  },
  unknown_part: {
    status: 400,
    id: 'Bagian kiriman tidak dikenal',
    en: 'Unknown part of the submission',
  },
  unknown_photo: {
    status: [404, 422],
    id: 'Foto tidak ditemukan',
    en: 'No such photo',
  },
  unknown_region: {
    status: 404,
    id: 'Wilayah tidak ada dalam pemilu ini',
    en: 'No such region in this election',
  },
  unknown_tps: {
    status: 404,
    id: 'TPS tidak ada dalam pemilu ini',
    en: 'No such TPS in this election',
  },
  unknown_upload: { status: 404, id: 'Unggahan tidak ditemukan', en: 'No such upload' },
  unprocessable: {
    status: 422,
    id: 'Permintaan tidak dapat diproses',
    en: 'The request cannot be processed',
  },
  unsupported_ballot: {
    status: 400,
    id: 'Kiriman bertanda tangan hanya untuk pemilihan presiden (ppwp)',
    en: 'Signed submissions are for the ppwp ballot only',
  },
  unsupported_media_type: {
    status: 415,
    id: 'Jenis isi ini tidak diterima di sini',
    en: 'This content type is not taken here',
  },
  upload_busy: {
    status: 400,
    id: 'Unggahan ini sedang ditulis oleh permintaan lain',
    en: 'Another request is writing this upload',
  },
  upload_complete: {
    status: 400,
    id: 'Unggahan yang sudah selesai tidak dapat dihapus',
    en: 'A finished upload cannot be deleted',
  },
  upload_expired: { status: 410, id: 'Unggahan sudah kedaluwarsa', en: 'The upload has expired' },
  uri_too_long: { status: 414, id: 'URL terlalu panjang', en: 'The URL is too long' },
  wrong_password: {
    status: 403,
    id: 'Kata sandi saat ini salah',
    en: 'The current password is wrong',
  },
  wrong_tps: {
    status: 403,
    id: 'Token ini milik TPS lain',
    en: 'This token belongs to another TPS',
  },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERRORS;

export const ERROR_CODES = Object.keys(ERRORS) as [ErrorCode, ...ErrorCode[]];

/** The statuses a code is answered with (one for most codes). */
export const statusesOf = (code: ErrorCode): readonly number[] => {
  const s: number | readonly number[] = ERRORS[code].status;
  return typeof s === 'number' ? [s] : s;
};

/** The codes answered with one status, and those that name theirs each time. */
export type OneStatusCode = {
  [C in ErrorCode]: (typeof ERRORS)[C]['status'] extends number ? C : never;
}[ErrorCode];
export type ManyStatusCode = Exclude<ErrorCode, OneStatusCode>;
export type StatusOf<C extends ManyStatusCode> = (typeof ERRORS)[C]['status'][number];

/** The body of every refusal of the API. */
export const ErrorBodySchema = z.object({
  /** The code: stable, snake_case, for programs. */
  error: z.enum(ERROR_CODES),
  /** For people, in English: the part or field at fault, what was expected and what came. */
  message: z.string(),
  /** The catalogue's words for the code, in Bahasa Indonesia and English. */
  text: z.object({ id: z.string(), en: z.string() }),
  /** Structured detail of some codes (`invalid_result`: the problems, `device_limit`: the limit). */
  details: z.unknown().optional(),
});
export type ErrorBody = z.infer<typeof ErrorBodySchema>;

/** The body of a refusal with this code and message. */
export const errorBody = (code: ErrorCode, message: string, details?: unknown): ErrorBody => ({
  error: code,
  message,
  text: { id: ERRORS[code].id, en: ERRORS[code].en },
  ...(details === undefined ? {} : { details }),
});
