// The one door to the signing code in core (src/core/receipt.ts), so the app depends on it in one
// place.
export {
  decodeReceipt,
  encodeReceipt,
  generateDeviceKey,
  RECEIPT_PREFIX,
  signSummary,
  verifySummary,
  type SignedSummary,
} from '../../core/receipt.ts';
