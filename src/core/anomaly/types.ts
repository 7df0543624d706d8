// What the anomaly engine reads and what it reports. A record is the numbers of one TPS as some
// source published them (Rekap's own current result, or Sirekap's JSON): any field may be missing.
// A finding never changes a number; a misread proposal is a suggestion for a reviewer.
import type { Ballot } from '../ballots.ts';
import type { Text } from '../rules.ts';

export type AuditRecord = {
  /** Dotted TPS code (`31.01.01.1003.008`). */
  tps: string;
  ballot: Ballot;
  /** The vote keys of the contest (`1`, `2`, `3` for PPWP 2024). */
  voteKeys: readonly string[];
  /**
   * Field path (`votes.2`, `voters.total.total`, as in `fieldEntries`) -> value, or null where the
   * source has the field but left it empty. Fields the source never carries are absent.
   */
  values: Readonly<Record<string, number | null>>;
  /** Identities of the photos (sha256 or URL); null entries are missing photos. */
  photos?: readonly (string | null)[];
};

export type FindingKind =
  'rule' | 'impossible' | 'incomplete' | 'misread' | 'outlier' | 'duplicate';
export const FINDING_KINDS: readonly FindingKind[] = [
  'rule',
  'impossible',
  'incomplete',
  'misread',
  'outlier',
  'duplicate',
];

/** How a proposed value relates to the value as read. */
export type MisreadHow =
  /** One digit box differs. */
  | 'digit'
  /** The leading box(es) became 0: an X or blank box read as a digit (62 read as 962). */
  | 'leading'
  /** The other fields determine the value, but it is not one box away from the reading. */
  | 'determined';

export type MisreadAlternative = { field: string; value: number; how: MisreadHow; weight: number };

export type Finding =
  | { kind: 'rule'; check: string; fields: string[]; message: Text }
  | { kind: 'impossible'; check: string; fields: string[]; message: Text }
  | { kind: 'incomplete'; check: 'missing-fields'; fields: string[]; message: Text }
  | {
      kind: 'misread';
      check: 'single-field';
      field: string;
      read: number;
      proposed: number;
      how: MisreadHow;
      /** 0..1: this proposal's share of the weight of every single change that fits. */
      confidence: number;
      alternatives: MisreadAlternative[];
      /** The change fixes the field's own checks only; other breaches of the record remain. */
      partial: boolean;
      message: Text;
    }
  | {
      kind: 'misread';
      check: 'constraint';
      /** Several fields are wrong at once; the other fields fix only their sum. */
      fields: string[];
      read: number[];
      sum: number;
      message: Text;
    }
  | {
      kind: 'outlier';
      check: string;
      scope: 'desa' | 'kecamatan';
      value: number;
      /** Distance from the other TPS of the scope, in their standard deviations (with a floor). */
      score: number;
      peers: number;
      message: Text;
    }
  | {
      kind: 'duplicate';
      check: 'same-numbers' | 'same-photo';
      others: string[];
      message: Text;
    };
