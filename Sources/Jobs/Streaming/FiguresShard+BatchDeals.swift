extension FiguresShard {
    /// The deals one partition's share of a batch touches, each kept in one place: an event finds its deal's place
    /// by id once (one string hash), and everything after goes by that place. (A dictionary of deals by id cost
    /// four string hashes an event: asked, found, taken out, put back.)
    struct BatchDeals {
        private var places: [String: Int] = [:]
        /// The deals' ids, by place.
        private(set) var ids: [String] = []
        /// Each deal as it stands, by place: nil until it is cached, read or made by its first event.
        private var deals: [StoredDeal?] = []

        init(capacity: Int) {
            places.reserveCapacity(capacity)
            ids.reserveCapacity(capacity)
            deals.reserveCapacity(capacity)
        }

        /// The place of deal `id`, and whether the batch met it just now.
        mutating func place(of id: String) -> (place: Int, isNew: Bool) {
            var found = 0
            var isNew = false
            let next = ids.count
            modify(&places[id, default: -1]) { place in
                if place < 0 {
                    place = next
                    isNew = true
                }
                found = place
            }
            if isNew {
                ids.append(id)
                deals.append(nil)
            }
            return (found, isNew)
        }

        /// Sets the deal at `id`'s place, when the batch has met `id` (the deals read for it).
        mutating func set(_ deal: StoredDeal, for id: String) {
            if let place = places[id] { deals[place] = deal }
        }

        subscript(place: Int) -> StoredDeal? {
            get { deals[place] }
            set { deals[place] = newValue }
        }

        /// Takes the deal at `place` out while it changes (putting it back with the subscript), so that adding an
        /// id to it copies none of its ids.
        mutating func take(_ place: Int) -> StoredDeal? {
            defer { deals[place] = nil }
            return deals[place]
        }

        /// Calls `body` with each deal the batch holds and its id.
        func forEach(_ body: (String, StoredDeal) throws -> Void) rethrows {
            for (place, deal) in deals.enumerated() {
                if let deal { try body(ids[place], deal) }
            }
        }
    }
}
