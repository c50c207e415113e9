/**
 * How `stream` walks `GET /v1/clients`, page by page, on either face; a face only runs the requests this plans.
 *
 * The first page comes alone (it says how many clients there are); after it every page's offset is known, so the
 * rest are requested `prefetch + 1` at a time and emitted in order. Clients created during the stream push the others
 * to higher offsets: every page says how many clients there are now, and if the page at the highest offset says more
 * than were read, the list grew, and the rest is read page by page (each offset known only once the previous page
 * arrived) until a short one. Without a total count (a bare array), it is page by page from the start.
 */
export class Pages {
  /** The highest offset answered so far, where it reached, and the total that page reported. */
  private lastOffset = -1
  private reached: number
  private latestTotal: number

  constructor(readonly pageSize: number, private readonly total: number, next: number) {
    this.reached = next
    this.latestTotal = total
  }

  /** A page shorter than asked for is the last. */
  static isLast = (length: number, pageSize: number): boolean => length < pageSize

  /** The offsets known after the first page: from `next` on, one per page, below the first page's total. */
  offsets(next: number): ReadonlyArray<number> {
    const offsets: Array<number> = []
    for (let offset = next; offset < this.total; offset += this.pageSize) offsets.push(offset)
    return offsets
  }

  /** Records a page (pages may arrive out of order). */
  record(offset: number, length: number, totalCount: number | undefined): void {
    if (offset <= this.lastOffset) return
    this.lastOffset = offset
    this.reached = offset + length
    this.latestTotal = totalCount ?? this.total
  }

  /** Where to go on page by page once the known pages are read, or `undefined` when the list did not grow. */
  grownFrom(): number | undefined {
    return this.reached >= this.total && this.reached < this.latestTotal ? this.reached : undefined
  }
}
