(ns ringkv.jepsen.checker
  "Checkers: pure functions from a history (a vector of Jepsen ops) to a result
  map with :valid? true, false or :unknown. Multi-key workloads use Jepsen's
  jepsen.independent convention: an op's :value is a tuple [key value]."
  (:require [clojure.set :as set]
            [ringkv.jepsen.history :as h]))

(defn- merge-valid
  "Jepsen's rule: false beats :unknown beats true."
  [vs]
  (cond (some false? vs) false
        (some #(= :unknown %) vs) :unknown
        :else true))

(defn- by-key
  "Groups the client ops of a history by the key of their [k v] tuple, keeping order."
  [history]
  (->> history
       (filter h/client-op?)
       (filter #(vector? (:value %)))
       (group-by #(first (:value %)))))

(defn- v2 [op] (second (:value op)))

;; ------------------------------------------------------------------ set

(defn set-single
  "Jepsen's set checker on one key: adds of unique elements, then a final read.
  lost: acknowledged adds absent from the final read; unexpected: elements read
  that no one tried to add; recovered: adds that failed or timed out yet appear;
  duplicated: elements read more than once (a read value is a multiset)."
  [ops]
  (let [attempts (set (keep #(when (and (= :add (:f %)) (= :invoke (:type %))) (v2 %)) ops))
        adds     (set (keep #(when (and (= :add (:f %)) (= :ok (:type %))) (v2 %)) ops))
        final    (last (filter #(and (= :read (:f %)) (= :ok (:type %))) ops))]
    (if-not final
      {:valid? :unknown :error "Set was never read" :attempt-count (count attempts)}
      (let [read-coll  (v2 final)
            read       (set read-coll)
            dups       (into (sorted-set) (keep (fn [[x n]] (when (> n 1) x)) (frequencies read-coll)))
            lost       (into (sorted-set) (set/difference adds read))
            unexpected (into (sorted-set) (set/difference read attempts))
            recovered  (into (sorted-set) (set/intersection read (set/difference attempts adds)))]
        {:valid?           (and (empty? lost) (empty? unexpected) (empty? dups))
         :attempt-count    (count attempts)
         :acknowledged-count (count adds)
         :read-count       (count read)
         :ok-count         (count (set/intersection read adds))
         :lost-count       (count lost)
         :lost             lost
         :unexpected-count (count unexpected)
         :unexpected       unexpected
         :recovered-count  (count recovered)
         :recovered        recovered
         :duplicated-count (count dups)
         :duplicated       dups}))))

(defn set-checker
  "The set checker over every key of an independent history."
  [history]
  (let [results (into (sorted-map) (map (fn [[k ops]] [k (set-single ops)]) (by-key history)))]
    {:valid?     (if (empty? results) :unknown (merge-valid (map :valid? (vals results))))
     :lost-count (reduce + (keep :lost-count (vals results)))
     :lost       (into (sorted-map) (keep (fn [[k r]] (when (seq (:lost r)) [k (:lost r)])) results))
     :results    results}))

;; ------------------------------------------------------------- siblings

(defn siblings-checker
  "Register workload: each :write of [k v] reads k first and writes v with the
  read's causal context; its completion carries :seen, the values that context
  had observed. With dotted version vectors a write replaces exactly what its
  context saw, so an acknowledged write may only disappear if some later write
  saw it. Every acknowledged write no write has seen must therefore be a
  sibling in the final read (at R=N after the heal): concurrent writes surface
  as siblings, none is silently dropped (last-write-wins would drop them)."
  [history]
  (let [results
        (into (sorted-map)
              (for [[k ops] (by-key history)
                    :when (some #(= :write (:f %)) ops)]
                (let [attempts   (set (keep #(when (and (= :write (:f %)) (= :invoke (:type %))) (v2 %)) ops))
                      acked      (set (keep #(when (and (= :write (:f %)) (= :ok (:type %))) (v2 %)) ops))
                      superseded (set (mapcat :seen (filter #(and (= :write (:f %)) (not= :invoke (:type %))) ops)))
                      reads      (filter #(and (= :read (:f %)) (= :ok (:type %))) ops)
                      final      (last reads)
                      required   (set/difference acked superseded)]
                  [k (if-not final
                       {:valid? :unknown :error "key was never read"}
                       (let [read (set (v2 final))
                             missing (into (sorted-set) (set/difference required read))
                             unexpected (into (sorted-set) (set/difference
                                                           (set (mapcat v2 reads)) attempts))]
                         {:valid?        (and (empty? missing) (empty? unexpected))
                          :acknowledged  (count acked)
                          :required      (count required)
                          :final         (into (sorted-set) read)
                          :missing       missing
                          :unexpected    unexpected
                          :max-siblings  (reduce max 0 (map (comp count v2) reads))
                          :reads-with-siblings (count (filter #(> (count (v2 %)) 1) reads))}))])))]
    {:valid?  (if (empty? results) :unknown (merge-valid (map :valid? (vals results))))
     :missing (into (sorted-map) (keep (fn [[k r]] (when (seq (:missing r)) [k (:missing r)])) results))
     :results results}))

;; -------------------------------------------------------- resurrection

(defn resurrection-checker
  "Delete workload: a delete of k reads k, then deletes with that context; its
  completion carries :seen. Once the delete is acknowledged, no read that
  begins later may return a value in :seen (docs/DESIGN.md: a deleted key must
  never come back after a partition heals) - unless the write of that value
  was still in flight when the delete began (it ended after the delete's
  invocation, or never, or as :info): such a write may take effect after the
  delete, e.g. as a second version minted by another replica after the first
  minter was slow (ARCHITECTURE.md, PUT), which the delete's context never saw.
  Those are reported as :concurrent, not as violations.
  A violation by a read that began in calm or in the final reads is a
  resurrection and makes the run invalid; one by a read that began during a
  fault window is reported as a stale read (sloppy quorums can answer from
  replicas that missed the tombstone) and is invalid only with {:strict? true}."
  ([history] (resurrection-checker history {}))
  ([history {:keys [strict?]}]
   (let [pairs (h/pairs history)
         windows (h/fault-windows history)
         in-fault? (fn [t] (some #(<= (:start %) t (:end %)) windows))
         writes (into {} (for [[inv c] pairs
                               :when (= :write (:f inv))]
                           [(:value inv) {:type (:type c) :ended-at (:time c)}]))
         in-flight-at? (fn [k v t] (let [w (get writes [k v])]
                                     (and w (or (nil? (:ended-at w)) (= :info (:type w)) (> (:ended-at w) t)))))
         deletes (for [[inv c] pairs
                       :when (and c (= :delete (:f inv)) (= :ok (:type c)) (seq (:seen c)))]
                   {:key (first (:value inv)) :seen (set (:seen c)) :invoked-at (:time inv) :acked-at (:time c)
                    :index (:index c)})
         reads (for [[inv c] pairs
                     :when (and c (= :read (:f inv)) (= :ok (:type c)))]
                 {:key (first (:value c)) :values (set (second (:value c))) :invoked-at (:time inv)
                  :index (:index c)
                  :when (cond (:final? c) :final
                              (in-fault? (:time inv)) :during-fault
                              :else :calm)})
         reads-by-key (group-by :key reads)
         found (for [d deletes
                     r (get reads-by-key (:key d))
                     :when (> (:invoked-at r) (:acked-at d))
                     :let [back (set/intersection (:values r) (:seen d))]
                     :when (seq back)
                     :let [concurrent (set (filter #(in-flight-at? (:key d) % (:invoked-at d)) back))]]
                 {:key (:key d) :delete-index (:index d) :read-index (:index r)
                  :values (into (sorted-set) (remove concurrent back))
                  :concurrent (into (sorted-set) concurrent)
                  :when (:when r)})
         violations (for [v found :when (seq (:values v))] (dissoc v :concurrent))
         concurrent (for [v found :when (seq (:concurrent v))]
                      (-> v (assoc :values (:concurrent v)) (dissoc :concurrent)))
         resurrected (filterv #(not= :during-fault (:when %)) violations)
         stale (filterv #(= :during-fault (:when %)) violations)]
     {:valid?            (if (empty? deletes)
                           :unknown
                           (and (empty? resurrected) (or (not strict?) (empty? stale))))
      :acknowledged-deletes (count deletes)
      :final-reads        (count (filter #(= :final (:when %)) reads))
      :resurrected-count (count resurrected)
      :resurrected       (vec (take 20 resurrected))
      :stale-read-count  (count stale)
      :stale-reads       (vec (take 20 stale))
      :concurrent-count  (count concurrent)
      :concurrent        (vec (take 20 concurrent))})))

;; ---------------------------------------------------------- convergence

(defn- converged? [replicas]
  (let [states (vals replicas)]
    (and (seq states)
         (every? :answered states)
         (apply = (map (juxt (comp set :values) :tombstones) states)))))

(defn convergence-checker
  "After the final heal the harness polls every key's replicas (the client's
  `where` call) with :f :replicas ops whose :value is [k {node-id {:answered
  bool :values [...] :tombstones n}}]. A key converges at the first poll where
  every replica answered and all hold the same values and tombstones; valid
  when every key converges within :bound-ms of the heal."
  ([history] (convergence-checker history {}))
  ([history {:keys [bound-ms] :or {bound-ms 30000}}]
   (let [heal (h/final-heal-time history)
         polls (filter #(and (= :replicas (:f %)) (= :ok (:type %)) (h/client-op? %)) history)
         by-k (group-by #(first (:value %)) polls)
         results (into (sorted-map)
                       (for [[k ps] by-k]
                         (let [hit (first (filter #(converged? (second (:value %))) ps))
                               ms (when (and hit heal) (quot (- (:time hit) heal) 1000000))]
                           [k (if hit
                                {:converged? true :after-heal-ms ms :polls (inc (.indexOf ^java.util.List (vec ps) hit))}
                                {:converged? false :polls (count ps)
                                 :last (second (:value (last ps)))})])))
         diverged (into (sorted-set) (keep (fn [[k r]] (when-not (:converged? r) k)) results))
         slow (into (sorted-set) (keep (fn [[k r]] (when (and (:after-heal-ms r) (> (:after-heal-ms r) bound-ms)) k)) results))
         times (sort (keep :after-heal-ms (vals results)))]
     {:valid?   (cond (empty? results) :unknown
                      :else (and (empty? diverged) (empty? slow)))
      :bound-ms bound-ms
      :keys     (count results)
      :diverged diverged
      :slow     slow
      :max-after-heal-ms (last times)
      :results  (into (sorted-map) (take 50 results))})))

;; ------------------------------------------------------------ placement

(defn placement-checker
  "After the heal the harness asks one node to VERIFY the ring every 2 s
  (:f :verify ops whose :value is {:keys :under-replicated :misplaced
  :unanswered :truncated}, RingkvClient.verify) until every key is on exactly
  its N owners or the bound passes. Reports when (ms after the heal) the
  first poll found no key under-replicated (:replicated-after-ms) and none
  misplaced either (:clean-after-ms), and when the first poll ended
  (:first-poll-after-ms, the resolution of both); a poll counts only if every node
  answered and none was truncated. :placement says what :valid? requires:
  :strict, a clean poll within :placement-bound-ms; :replicas, no
  under-replicated key within the bound (misplaced copies only reported);
  :off, nothing (the checker informs)."
  ([history] (placement-checker history {}))
  ([history {:keys [placement placement-bound-ms] :or {placement :strict placement-bound-ms 60000}}]
   (let [heal (h/final-heal-time history)
         polls (filter #(and (= :verify (:f %)) (= :ok (:type %)) (h/client-op? %)) history)
         complete? (fn [v] (and (empty? (:unanswered v)) (not (:truncated v))))
         replicated? (fn [v] (and (complete? v) (zero? (:under-replicated v))))
         clean? (fn [v] (and (replicated? v) (zero? (:misplaced v))))
         after-heal (fn [op] (when (and op heal) (quot (- (:time op) heal) 1000000)))
         first-replicated (first (filter (comp replicated? :value) polls))
         first-clean (first (filter (comp clean? :value) polls))
         in-bound? (fn [op] (boolean (and op (<= (after-heal op) placement-bound-ms))))
         verdict (fn [op] (cond (nil? heal) :unknown
                                (empty? polls) :unknown
                                :else (in-bound? op)))]
     {:valid? (case placement
                :off true
                :replicas (verdict first-replicated)
                :strict (verdict first-clean))
      :placement placement
      :bound-ms placement-bound-ms
      :polls (count polls)
      :failed-polls (count (filter #(and (= :verify (:f %)) (h/client-op? %) (#{:fail :info} (:type %))) history))
      :first-poll-after-ms (after-heal (first polls))
      :replicated-after-ms (after-heal first-replicated)
      :clean-after-ms (after-heal first-clean)
      :first (:value (first polls))
      :last (:value (last polls))})))

;; --------------------------------------------------------- availability

(defn availability-checker
  "Share of client completions that were :ok, overall, in calm periods and in
  each fault window (by completion time). Reports; invalid only when some
  window's share falls below :min-availability (default 0, i.e. never)."
  ([history] (availability-checker history {}))
  ([history {:keys [min-availability] :or {min-availability 0.0}}]
   (let [windows (h/fault-windows history)
         comps (filter #(and (h/client-op? %) (not= :invoke (:type %))
                             (not (:final? %)) (not= :replicas (:f %))) history)
         in? (fn [w op] (<= (:start w) (:time op) (:end w)))
         share (fn [ops] (let [n (count ops) ok (count (filter #(= :ok (:type %)) ops))]
                           {:ops n :ok ok :fail (count (filter #(= :fail (:type %)) ops))
                            :info (count (filter #(= :info (:type %)) ops))
                            :availability (if (pos? n) (double (/ ok n)) nil)}))
         per-window (vec (for [w windows]
                           (merge {:fault (:fault w) :value (:value w)
                                   :start-s (/ (:start w) 1e9) :end-s (/ (:end w) 1e9)}
                                  (share (filter #(in? w %) comps)))))
         calm (share (remove (fn [op] (some #(in? % op) windows)) comps))]
     {:valid?   (every? #(or (nil? (:availability %)) (>= (:availability %) min-availability)) per-window)
      :overall  (share comps)
      :calm     calm
      :faults   per-window})))

;; -------------------------------------------------------------- latency

(defn quantiles
  "Nearest-rank quantiles of a collection of numbers."
  [qs xs]
  (let [v (vec (sort xs)) n (count v)]
    (when (pos? n)
      (apply array-map (mapcat (fn [q] [q (v (min (dec n) (int (Math/floor (* q n)))))]) qs)))))

(defn latencies
  "[{:f f :type t :time completion-ns :latency-ms ms}] for every completed client op."
  [history]
  (for [[inv c] (h/pairs history) :when c]
    {:f (:f inv) :type (:type c) :time (:time c) :latency-ms (/ (- (:time c) (:time inv)) 1e6)}))

(defn latency-checker
  "Latency quantiles (ms) per :f and completion type. Reports; always valid."
  [history]
  (let [ls (latencies history)
        qs [0.5 0.9 0.99 0.999 1.0]]
    {:valid? true
     :all (quantiles qs (map :latency-ms ls))
     :by-f (into (sorted-map)
                 (for [[[f t] xs] (group-by (juxt :f :type) ls)]
                   [(keyword (str (name f) "-" (name t)))
                    {:count (count xs) :quantiles (quantiles qs (map :latency-ms xs))}]))}))

;; ------------------------------------------------------------ composed

(def workload-checkers
  "Which correctness checker each workload needs."
  {:set      {:set set-checker}
   :register {:siblings siblings-checker}
   :delete   {:resurrection resurrection-checker}})

(defn check
  "Runs the workload's checker plus convergence, placement, availability and
  latency. :valid? is true only if every checker's :valid? is true (the
  placement checker's :valid? is true when opts :placement is :off)."
  [workload history opts]
  (let [cs (merge (get workload-checkers workload)
                  {:convergence  #(convergence-checker % opts)
                   :placement    #(placement-checker % (merge {:placement :off} opts))
                   :availability #(availability-checker % opts)
                   :latency      latency-checker})
        rs (into (sorted-map) (for [[k c] cs]
                                [k (try (c history)
                                        (catch Throwable t
                                          {:valid? :unknown :error (str t)}))]))
        v (merge-valid (map :valid? (vals rs)))]
    (assoc rs :valid? (true? v) :validity v)))
