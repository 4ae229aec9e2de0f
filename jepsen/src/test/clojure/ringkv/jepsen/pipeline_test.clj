(ns ringkv.jepsen.pipeline-test
  "Workers, workloads, the nemesis schedule, the history and the checkers end
  to end against an in-memory store (ringkv.jepsen.fake-store) and a no-op
  nemesis: a causal store passes, a last-write-wins store fails with its lost
  writes named."
  (:require [clojure.test :refer [deftest is testing]]
            [ringkv.jepsen.checker :as checker]
            [ringkv.jepsen.core :as core]
            [ringkv.jepsen.fake-store :as fake]
            [ringkv.jepsen.history :as h]
            [ringkv.jepsen.membership :as m]))

(def noop-system
  (into {} (for [k [:partition! :heal! :heal-all!]] [k (fn [& _])]))
  )

(defn membership-system
  "Membership effects over a process table in an atom; the model starts with
  n1..n3 members and n4 spare."
  []
  (let [procs (atom #{"n1" "n2" "n3"})]
    {:cluster (atom (m/cluster ["n1" "n2" "n3" "n4"] 3))
     :alive? #(contains? @procs %)
     :leave! (fn [p] (swap! procs disj (:node p)) {:exit 0})
     :join! (fn [p] (swap! procs conj (:node p)) {:up-after-ms 1})
     :remove! (fn [p] (swap! procs disj (:node p)) {:removed? true})}))

(defn run
  ([workload lww?] (run workload lww? #{:partition}))
  ([workload lww? faults]
   (let [s (fake/store lww?)
         rec (h/recorder)
         test {:workload workload :concurrency 5 :rate 500.0 :time-limit 3 :seed 7
               :nemesis faults :calm 1 :fault 1 :quiet 0 :op-timeout-ms 1000
               :replication-factor 2 :convergence-bound 5 :placement-bound 5 :key-count 1
               :client-factory (fn [_] (fake/client s))}]
     (core/run-phases! test rec ["h1" "h2" "h3"] ["n1" "n2" "n3"]
                       (merge noop-system {:kill! (fn [_]) :start! (fn [_]) :pause! (fn [_]) :resume! (fn [_])}
                              (when (faults :membership) (membership-system))))
     (let [history (h/ops rec)]
       {:history history :results (checker/check workload history (core/check-opts test history))}))))

(defn well-formed?
  "Jepsen's invariants: indices in order, one op in flight per process,
  and a process that crashed (:info) never invokes again."
  [history]
  (and (= (range (count history)) (map :index history))
       (apply <= (map :time history))
       (loop [ops (filter h/client-op? history) open #{} dead #{}]
         (if-let [op (first ops)]
           (let [p (:process op)]
             (cond (dead p) false
                   (= :invoke (:type op)) (if (open p) false (recur (rest ops) (conj open p) dead))
                   :else (recur (rest ops) (disj open p) (if (= :info (:type op)) (conj dead p) dead))))
           true))))

(deftest set-on-a-causal-store-is-valid
  (let [{:keys [history results]} (run :set false)]
    (is (well-formed? history))
    (is (some #(= :start-partition (:f %)) history) "the nemesis ran")
    (is (< 50 (get-in results [:set :results 0 :acknowledged-count] 0)))
    (is (true? (:valid? results)) (pr-str (core/summarize results)))))

(deftest set-on-a-last-write-wins-store-loses-writes
  (let [{:keys [results]} (run :set true)]
    (is (false? (:valid? results)))
    (is (pos? (get-in results [:set :lost-count])) "lost writes are named")))

(deftest register-siblings
  (testing "a causal store keeps concurrent writes as siblings"
    (let [{:keys [history results]} (run :register false)]
      (is (well-formed? history))
      (is (true? (:valid? results)) (pr-str (core/summarize results)))
      (is (< 1 (get-in results [:siblings :results 0 :max-siblings])) "concurrent writes surfaced")))
  (testing "last-write-wins drops them"
    (is (false? (:valid? (:results (run :register true)))))))

(deftest delete-on-a-causal-store-is-valid
  (let [{:keys [history results]} (run :delete false)]
    (is (well-formed? history))
    (is (pos? (get-in results [:resurrection :acknowledged-deletes])))
    (is (true? (:valid? results)) (pr-str (core/summarize results)))))

(deftest membership-changes-end-to-end
  (let [{:keys [history results]} (run :set false #{:membership})]
    (is (well-formed? history))
    (is (some #(h/membership-fs (:f %)) (filter h/nemesis-op? history)) "the membership nemesis ran")
    (is (= :strict (get-in results [:placement :placement])) "membership runs count misplaced and under-replicated keys")
    (is (<= 1 (get-in results [:placement :polls])))
    (is (<= 0 (get-in results [:placement :clean-after-ms] -1) 5000) "the fake is clean at the first poll")
    (is (= 1 (get-in results [:placement :polls])))
    (is (true? (:valid? results)) (pr-str (core/summarize results)))))
