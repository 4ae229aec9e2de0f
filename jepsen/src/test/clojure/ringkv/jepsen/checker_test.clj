(ns ringkv.jepsen.checker-test
  (:require [clojure.test :refer [deftest is testing]]
            [ringkv.jepsen.checker :as c]))

(defn hist
  "Builds a history from [process type f value & {extra}] rows, one ms apart."
  [& rows]
  (vec (map-indexed (fn [i [p t f v & kvs]]
                      (merge {:index i :time (* i 1000000) :process p :type t :f f :value v}
                             (apply hash-map kvs)))
                    rows)))

(deftest set-checker-valid
  (let [r (c/set-checker (hist [0 :invoke :add [:a 1]] [0 :ok :add [:a 1]]
                               [1 :invoke :add [:a 2]] [1 :info :add [:a 2]]
                               [2 :invoke :add [:a 3]] [2 :fail :add [:a 3]]
                               [3 :invoke :read [:a nil]] [3 :ok :read [:a [1 2]]]))]
    (is (true? (:valid? r)))
    (is (= #{2} (get-in r [:results :a :recovered])))
    (is (= 0 (:lost-count r)))))

(deftest set-checker-lost-write-is-flagged
  (testing "a last-write-wins store drops an acknowledged add: the checker names it"
    (let [r (c/set-checker (hist [0 :invoke :add [:a 1]] [1 :invoke :add [:a 2]]
                                 [0 :ok :add [:a 1]] [1 :ok :add [:a 2]]
                                 [2 :invoke :read [:a nil]] [2 :ok :read [:a [2]]]))]
      (is (false? (:valid? r)))
      (is (= {:a #{1}} (:lost r)))
      (is (= 1 (:lost-count r))))))

(deftest set-checker-unexpected-and-duplicated
  (let [r (c/set-checker (hist [0 :invoke :add [:a 1]] [0 :ok :add [:a 1]]
                               [2 :invoke :read [:a nil]] [2 :ok :read [:a [1 1 9]]]))]
    (is (false? (:valid? r)))
    (is (= #{9} (get-in r [:results :a :unexpected])))
    (is (= #{1} (get-in r [:results :a :duplicated])))))

(deftest set-checker-never-read-is-unknown
  (is (= :unknown (:valid? (c/set-checker (hist [0 :invoke :add [:a 1]] [0 :ok :add [:a 1]]))))))

(deftest siblings-checker-concurrent-writes-both-survive
  (let [r (c/siblings-checker
           (hist [0 :invoke :write [:k 1]] [1 :invoke :write [:k 2]]
                 [0 :ok :write [:k 1] :seen []] [1 :ok :write [:k 2] :seen []]
                 [2 :invoke :write [:k 3]] [2 :ok :write [:k 3] :seen [1]]
                 [3 :invoke :read [:k nil]] [3 :ok :read [:k [2 3]] :final? true]))]
    (is (true? (:valid? r)))
    (is (= 2 (get-in r [:results :k :max-siblings])))))

(deftest siblings-checker-dropped-sibling-is-flagged
  (let [r (c/siblings-checker
           (hist [0 :invoke :write [:k 1]] [1 :invoke :write [:k 2]]
                 [0 :ok :write [:k 1] :seen []] [1 :ok :write [:k 2] :seen []]
                 [3 :invoke :read [:k nil]] [3 :ok :read [:k [2]] :final? true]))]
    (is (false? (:valid? r)))
    (is (= {:k #{1}} (:missing r)))))

(deftest resurrection-checker-cases
  (let [base [[0 :invoke :write [:k 1]] [0 :ok :write [:k 1] :seen []]
              [0 :invoke :delete [:k nil]] [0 :ok :delete [:k nil] :seen [1]]]]
    (testing "a read after the acknowledged delete that is empty is fine"
      (is (true? (:valid? (c/resurrection-checker
                           (apply hist (conj base [1 :invoke :read [:k nil]] [1 :ok :read [:k []] :final? true])))))))
    (testing "a value the delete had seen coming back in a final read is a resurrection"
      (let [r (c/resurrection-checker
               (apply hist (conj base [1 :invoke :read [:k nil]] [1 :ok :read [:k [1]] :final? true])))]
        (is (false? (:valid? r)))
        (is (= 1 (:resurrected-count r)))))
    (testing "a deleted value read back in calm is a resurrection"
      (let [r (c/resurrection-checker
               (apply hist (conj base [1 :invoke :read [:k nil]] [1 :ok :read [:k [1]]])))]
        (is (false? (:valid? r)))
        (is (= :calm (:when (first (:resurrected r)))))))
    (testing "a stale read during a fault is reported but only fails in strict mode"
      (let [h (apply hist (conj base [:nemesis :info :start-partition nil] [:nemesis :info :start-partition {}]
                                [1 :invoke :read [:k nil]] [1 :ok :read [:k [1]]]
                                [:nemesis :info :stop-partition nil] [:nemesis :info :stop-partition {}]))]
        (is (true? (:valid? (c/resurrection-checker h))))
        (is (= 1 (:stale-read-count (c/resurrection-checker h))))
        (is (false? (:valid? (c/resurrection-checker h {:strict? true}))))))
    (testing "a read concurrent with the delete may see the old value"
      (is (true? (:valid? (c/resurrection-checker
                           (hist [0 :invoke :write [:k 1]] [0 :ok :write [:k 1] :seen []]
                                 [1 :invoke :read [:k nil]]
                                 [0 :invoke :delete [:k nil]] [0 :ok :delete [:k nil] :seen [1]]
                                 [1 :ok :read [:k [1]] :final? true]))))))
    (testing "a new value written after the delete is not a resurrection"
      (is (true? (:valid? (c/resurrection-checker
                           (apply hist (conj base [1 :invoke :write [:k 2]] [1 :ok :write [:k 2] :seen []]
                                             [1 :invoke :read [:k nil]] [1 :ok :read [:k [2]] :final? true])))))))))

(def replicas-same {"n1" {:answered true :values [1] :tombstones 0}
                    "n2" {:answered true :values [1] :tombstones 0}})
(def replicas-diff {"n1" {:answered true :values [1] :tombstones 0}
                    "n2" {:answered true :values [] :tombstones 1}})

(deftest convergence-checker-cases
  (let [heal [[:nemesis :info :heal-all nil] [:nemesis :info :heal-all :healed]]]
    (is (true? (:valid? (c/convergence-checker
                         (apply hist (conj heal [9 :invoke :replicas [:k nil]] [9 :ok :replicas [:k replicas-diff]]
                                           [9 :invoke :replicas [:k nil]] [9 :ok :replicas [:k replicas-same]]))))))
    (let [r (c/convergence-checker
             (apply hist (conj heal [9 :invoke :replicas [:k nil]] [9 :ok :replicas [:k replicas-diff]])))]
      (is (false? (:valid? r)))
      (is (= #{:k} (:diverged r))))
    (testing "converging later than the bound is invalid"
      (is (false? (:valid? (c/convergence-checker
                            (apply hist (conj heal [9 :invoke :replicas [:k nil]] [9 :ok :replicas [:k replicas-same]]))
                            {:bound-ms 1})))))
    (testing "a replica that did not answer is not converged"
      (is (false? (:valid? (c/convergence-checker
                            (apply hist (conj heal [9 :invoke :replicas [:k nil]]
                                              [9 :ok :replicas [:k (assoc-in replicas-same ["n2" :answered] false)]])))))))))

(deftest availability-and-latency
  (let [h (hist [0 :invoke :add [:a 1]] [0 :ok :add [:a 1]]
                [:nemesis :info :start-partition nil] [:nemesis :info :start-partition {"n1" #{"n2"}}]
                [0 :invoke :add [:a 2]] [0 :fail :add [:a 2]]
                [1 :invoke :add [:a 3]] [1 :ok :add [:a 3]]
                [:nemesis :info :stop-partition nil] [:nemesis :info :stop-partition nil]
                [0 :invoke :add [:a 4]] [0 :ok :add [:a 4]])
        a (c/availability-checker h)]
    (is (= 1 (count (:faults a))))
    (is (= 0.5 (:availability (first (:faults a)))))
    (is (= 1.0 (:availability (:calm a))))
    (is (false? (:valid? (c/availability-checker h {:min-availability 0.9}))))
    (let [l (c/latency-checker h)]
      (is (true? (:valid? l)))
      (is (= 1.0 (get-in l [:all 0.5]))))))

(deftest check-composes-validity
  (let [good (hist [0 :invoke :add [:a 1]] [0 :ok :add [:a 1]]
                   [:nemesis :info :heal-all nil] [:nemesis :info :heal-all nil]
                   [1 :invoke :read [:a nil]] [1 :ok :read [:a [1]] :final? true]
                   [2 :invoke :replicas [:a nil]] [2 :ok :replicas [:a replicas-same]])
        lossy (assoc-in good [5 :value] [:a []])]
    (is (true? (:valid? (c/check :set good {}))))
    (is (false? (:valid? (c/check :set lossy {}))))
    (is (= {:a #{1}} (get-in (c/check :set lossy {}) [:set :lost])))))

(defn verify [under misplaced & {:keys [unanswered truncated] :or {unanswered [] truncated false}}]
  {:keys 30 :under-replicated under :misplaced misplaced :unanswered unanswered :truncated truncated})

(defn placement-history
  "A heal at 1 ms, then VERIFY polls one ms apart (hist's clock)."
  [& polls]
  (apply hist [:nemesis :info :heal-all nil] [:nemesis :info :heal-all nil]
         (mapcat (fn [v] [[9 :invoke :verify nil :final? true] [9 :ok :verify v :final? true]]) polls)))

(deftest placement-checker-cases
  (testing "every key on exactly its owners: valid in every mode, with the time from the heal"
    (let [h (placement-history (verify 2 5) (verify 0 5) (verify 0 0))]
      (doseq [mode [:strict :replicas :off]]
        (is (true? (:valid? (c/placement-checker h {:placement mode})))))
      (let [r (c/placement-checker h)]
        (is (= 4 (:replicated-after-ms r)) "first poll with no under-replicated key ends at 5 ms, the heal at 1 ms")
        (is (= 6 (:clean-after-ms r)))
        (is (= 3 (:polls r)))
        (is (= (verify 2 5) (:first r))))))
  (testing "misplaced copies that stay: only --check-placement (:strict) fails"
    (let [h (placement-history (verify 0 7) (verify 0 7))]
      (is (false? (:valid? (c/placement-checker h {:placement :strict}))))
      (is (true? (:valid? (c/placement-checker h {:placement :replicas}))))
      (is (true? (:valid? (c/placement-checker h {:placement :off}))))
      (is (nil? (:clean-after-ms (c/placement-checker h))))
      (is (= 2 (:replicated-after-ms (c/placement-checker h))))))
  (testing "under-replicated keys that stay fail :replicas and :strict"
    (let [h (placement-history (verify 3 0) (verify 1 0))]
      (is (false? (:valid? (c/placement-checker h {:placement :replicas}))))
      (is (false? (:valid? (c/placement-checker h {:placement :strict}))))
      (is (true? (:valid? (c/placement-checker h {:placement :off}))))
      (is (= (verify 1 0) (:last (c/placement-checker h))))))
  (testing "a poll some node did not answer, or a truncated one, proves nothing"
    (is (false? (:valid? (c/placement-checker (placement-history (verify 0 0 :unanswered ["n3"]))))))
    (is (false? (:valid? (c/placement-checker (placement-history (verify 0 0 :truncated true)))))))
  (testing "clean only after the bound is invalid"
    (let [h (placement-history (verify 1 1) (verify 1 1) (verify 0 0))]
      (is (false? (:valid? (c/placement-checker h {:placement-bound-ms 3}))))
      (is (true? (:valid? (c/placement-checker h {:placement-bound-ms 6}))))))
  (testing "no poll or no heal: unknown unless informative"
    (is (= :unknown (:valid? (c/placement-checker (placement-history)))))
    (is (= :unknown (:valid? (c/placement-checker (hist [9 :invoke :verify nil] [9 :ok :verify (verify 0 0)])))))
    (is (true? (:valid? (c/placement-checker (placement-history) {:placement :off})))))
  (testing "failed polls are counted, not used"
    (let [h (conj (placement-history (verify 0 0))
                  {:index 99 :time 99000000 :process 9 :type :invoke :f :verify :value nil}
                  {:index 100 :time 100000000 :process 9 :type :info :f :verify :value nil :error :timeout})]
      (is (= 1 (:failed-polls (c/placement-checker h))))
      (is (= 1 (:polls (c/placement-checker h)))))))

(deftest check-counts-placement-by-mode
  (let [base (hist [0 :invoke :add [:a 1]] [0 :ok :add [:a 1]]
                   [:nemesis :info :heal-all nil] [:nemesis :info :heal-all nil]
                   [1 :invoke :read [:a nil]] [1 :ok :read [:a [1]] :final? true]
                   [2 :invoke :replicas [:a nil]] [2 :ok :replicas [:a replicas-same]]
                   [2 :invoke :verify nil] [2 :ok :verify (verify 0 4) :final? true])]
    (is (true? (:valid? (c/check :set base {}))) "no :placement option: informative")
    (is (true? (:valid? (c/check :set base {:placement :replicas}))))
    (is (false? (:valid? (c/check :set base {:placement :strict}))))
    (is (= 4 (get-in (c/check :set base {}) [:placement :last :misplaced])))))

(deftest resurrection-checker-excuses-writes-still-in-flight
  (testing "the delete run of 2026-11-22: a write still in flight when the delete began may come back after it"
    ;; write 1495 invoked, delete reads it and is acknowledged, then the write is acknowledged, then a read sees it
    (let [h (hist [0 :invoke :write [:k 1495]]
                  [1 :invoke :delete [:k nil]] [1 :ok :delete [:k nil] :seen [1495]]
                  [0 :ok :write [:k 1495] :seen []]
                  [2 :invoke :read [:k nil]] [2 :ok :read [:k [1495]]])
          r (c/resurrection-checker h)]
      (is (true? (:valid? r)))
      (is (= 0 (:resurrected-count r)))
      (is (= 1 (:concurrent-count r)))
      (is (= #{1495} (:values (first (:concurrent r)))))))
  (testing "an indeterminate (:info) write is in flight for good"
    (let [h (hist [0 :invoke :write [:k 7]] [0 :info :write [:k 7] :error :timeout]
                  [1 :invoke :delete [:k nil]] [1 :ok :delete [:k nil] :seen [7]]
                  [2 :invoke :read [:k nil]] [2 :ok :read [:k [7]]])]
      (is (true? (:valid? (c/resurrection-checker h))))))
  (testing "a write acknowledged before the delete began is not excused"
    (let [h (hist [0 :invoke :write [:k 7]] [0 :ok :write [:k 7] :seen []]
                  [1 :invoke :delete [:k nil]] [1 :ok :delete [:k nil] :seen [7]]
                  [2 :invoke :read [:k nil]] [2 :ok :read [:k [7]]])
          r (c/resurrection-checker h)]
      (is (false? (:valid? r)))
      (is (= 0 (:concurrent-count r)))))
  (testing "nor a failed one"
    (let [h (hist [0 :invoke :write [:k 7]] [0 :fail :write [:k 7] :error :unavailable]
                  [1 :invoke :delete [:k nil]] [1 :ok :delete [:k nil] :seen [7]]
                  [2 :invoke :read [:k nil]] [2 :ok :read [:k [7]]])]
      (is (false? (:valid? (c/resurrection-checker h)))))))
