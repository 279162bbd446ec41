/** A bounds-checked cursor over pickle bytes: every read past the end is a truncated pickle. */
import { invalidCheckpoint } from './checkpoint-errors';

const utf8 = new TextDecoder('utf-8', { fatal: true });

export class PickleReader {
  private position = 0;
  private readonly view: DataView;

  constructor(
    readonly bytes: Uint8Array,
    readonly file: string,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get offset(): number {
    return this.position;
  }

  private need(count: number): number {
    if (!Number.isSafeInteger(count) || count < 0 || this.position + count > this.bytes.length) {
      throw invalidCheckpoint(this.file, `its data.pkl ends early at byte ${this.position} (truncated pickle)`);
    }
    const at = this.position;
    this.position += count;
    return at;
  }

  u8(): number {
    return this.view.getUint8(this.need(1));
  }
  u16(): number {
    return this.view.getUint16(this.need(2), true);
  }
  u32(): number {
    return this.view.getUint32(this.need(4), true);
  }
  i32(): number {
    return this.view.getInt32(this.need(4), true);
  }
  u64(): number {
    const value = this.view.getBigUint64(this.need(8), true);
    if (value > BigInt(Number.MAX_SAFE_INTEGER)) this.fail('a length beyond 2^53');
    return Number(value);
  }
  f64BigEndian(): number {
    return this.view.getFloat64(this.need(8), false);
  }

  /** A copy of the next `count` bytes. */
  take(count: number): Uint8Array {
    const at = this.need(count);
    return this.bytes.slice(at, at + count);
  }

  text(count: number): string {
    const at = this.need(count);
    try {
      return utf8.decode(this.bytes.subarray(at, at + count));
    } catch (error) {
      throw invalidCheckpoint(this.file, `its data.pkl holds a string that is not UTF-8 at byte ${at}`, error);
    }
  }

  /** A newline-terminated ASCII line (GLOBAL and the protocol-0 numbers), without the newline. */
  line(): string {
    const end = this.bytes.indexOf(0x0a, this.position);
    if (end < 0) this.need(this.bytes.length + 1);
    return this.text(end - this.position + 1).slice(0, -1);
  }

  fail(problem: string): never {
    throw invalidCheckpoint(this.file, `its data.pkl has ${problem} (at byte ${this.position})`);
  }
}
