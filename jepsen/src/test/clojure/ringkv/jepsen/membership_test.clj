(ns ringkv.jepsen.membership-test
  "The membership nemesis on a fake system (a process table in an atom): it
  keeps >= N members, never asks the victim to remove itself, sends LEAVE to
  the leaving node, gives a rejoining slot a new id, follows what the effects
  report (failures included), and records Jepsen-shaped :info ops."
  (:require [clojure.test :refer [deftest is testing]]
            [ringkv.jepsen.db :as db]
            [ringkv.jepsen.history :as h]
            [ringkv.jepsen.net :as net]
            [ringkv.jepsen.membership :as m]
            [ringkv.jepsen.nemesis :as n]))

(def slots ["n1" "n2" "n3" "n4" "n5" "n6"])

(defn fake-system
  "Effects over a set of running slots. `behaviour` may override an effect
  (fn [procs plan] result); calls are logged in :calls."
  ([] (fake-system {}))
  ([behaviour]
   (let [procs (atom (set (take 5 slots)))
         calls (atom [])
         eff (fn [k default]
               (fn [p]
                 (swap! calls conj [k p])
                 ((get behaviour k default) procs p)))]
     {:procs procs :calls calls
      :alive? #(contains? @procs %)
      :leave! (eff :leave! (fn [procs p] (swap! procs disj (:node p)) {:exit 0}))
      :join! (eff :join! (fn [procs p] (swap! procs conj (:node p)) {:up-after-ms 1}))
      :remove! (eff :remove! (fn [procs p] (swap! procs disj (:node p)) {:removed? true}))
      :kill! #(swap! procs disj %) :start! #(swap! procs conj %)
      :pause! (fn [_]) :resume! (fn [_]) :partition! (fn [_]) :heal! (fn [])
      :heal-all! (fn [])})))

(defn run
  "Runs the schedule for `rounds` fault periods; returns {:ops :system :cluster}."
  [seed rounds {:keys [faults rf same-id? behaviour] :or {faults #{:membership} rf 3}}]
  (let [t (atom 0)
        rec (h/recorder #(deref t))
        sys (fake-system behaviour)
        cluster (atom (m/cluster slots 5))]
    (n/run-schedule! sys #(h/record! rec %) (take 5 slots)
                     {:faults faults :calm-ms 10 :fault-ms 10 :rng (java.util.Random. seed)
                      :cluster cluster :replication-factor rf :same-id? same-id?
                      :sleep! #(swap! t + %) :done? #(>= @t (* 20 rounds))})
    {:ops (h/ops rec) :system sys :cluster @cluster}))

(defn membership-pairs [ops]
  (filter (fn [[i _]] (h/membership-fs (:f i))) (partition 2 (filter h/nemesis-op? ops))))

(deftest keeps-at-least-n-members-and-asks-the-right-node
  (doseq [seed (range 40) rf [1 3 5]]
    (let [{:keys [ops system cluster]} (run seed 30 {:rf rf})]
      (loop [members (set (take 5 slots)) ids-seen (set (take 5 slots)) [[inv c] & more] (membership-pairs ops)]
        (when inv
          (let [{:keys [node id via]} (:value inv)]
            (case (:f inv)
              (:leave :remove)
              (do (is (> (count members) rf) (str "seed " seed ": " (:f inv) " with only " (count members) " members"))
                  (is (contains? members node)))
              :join
              (do (is (not (contains? members node)) (str "seed " seed ": join of a member slot " node))
                  (is (not (contains? ids-seen id)) (str "seed " seed ": id " id " reused"))
                  (is (contains? members via))))
            (case (:f inv)
              :leave (is (= node via) "LEAVE goes to the leaving node")
              :remove (do (is (not= node via) "REMOVE is never sent to the node being removed")
                          (is (contains? members via)))
              nil)
            (let [after (set (:members (:value c)))]
              (is (<= rf (count after)) (str "seed " seed ": " (count after) " members after " (:f inv)))
              (recur after (conj ids-seen id) more)))))
      (is (= (m/members cluster) (vec (sort @(:procs system))))
          "the model's members are exactly the running processes")
      (is (every? (fn [[k p]] (not (and (= k :remove!) (= (:node p) (:via p))))) @(:calls system))))))

(deftest every-kind-happens-and-ids-move-on
  (let [ops (mapcat #(:ops (run % 30 {})) (range 10))
        fs (frequencies (map (comp :f first) (membership-pairs ops)))]
    (is (every? #(pos? (get fs % 0)) [:leave :join :remove]) (pr-str fs))
    (testing "a slot that rejoins gets n2b, n2c, ... (the same id is ignored by the cluster)"
      (is (some #(re-matches #"n\db" %) (map (comp :id :value first) (membership-pairs ops)))))))

(deftest same-id-mode-reuses-the-slot-id
  (let [ops (mapcat #(:ops (run % 30 {:same-id? true})) (range 5))
        joins (filter #(= :join (:f (first %))) (membership-pairs ops))]
    (is (seq joins))
    (is (every? (fn [[i _]] (= (:node (:value i)) (:id (:value i)))) joins))))

(deftest no-change-below-n-and-without-a-free-slot
  (testing "members = N and no free slot: nothing to do"
    (is (nil? (m/plan (java.util.Random. 1) (m/cluster ["n1" "n2" "n3"] 3) 3 false))))
  (testing "members = N with a spare: only a join"
    (dotimes [s 20]
      (is (= :join (:f (m/plan (java.util.Random. s) (m/cluster ["n1" "n2" "n3" "n4"] 3) 3 false))))))
  (testing "next ids"
    (let [c (-> (m/cluster ["n1" "n2"] 1) (assoc-in [:lives "n1"] 3))]
      (is (= "n2" (m/next-id c "n2" false)) "a spare's first node has the slot's name")
      (is (= "n1d" (m/next-id c "n1" false)))
      (is (= "n1" (m/next-id c "n1" true))))))

(deftest the-model-follows-what-the-effects-report
  (testing "a LEAVE that fails leaves the node a member"
    (let [{:keys [ops cluster system]} (run 3 20 {:behaviour {:leave! (fn [_ _] {:error "UNAVAILABLE: 1 of 2 handovers"})}})
          leaves (filter #(= :leave (:f (first %))) (membership-pairs ops))]
      (is (seq leaves))
      (is (every? (fn [[_ c]] (contains? (set (:members (:value c))) (:node (:value c)))) leaves))
      (is (every? (fn [[_ c]] (= "UNAVAILABLE: 1 of 2 handovers" (:error (:value c)))) leaves))
      (is (= (m/members cluster) (vec (sort @(:procs system)))))))
  (testing "a REMOVE the cluster refuses leaves the node a member"
    (let [{:keys [ops cluster]} (run 4 20 {:behaviour {:remove! (fn [_ _] {:removed? false :error "alive"})}})
          removes (filter #(= :remove (:f (first %))) (membership-pairs ops))]
      (is (seq removes))
      (is (every? (fn [[_ c]] (contains? (set (:members (:value c))) (:node (:value c)))) removes))))
  (testing "a joiner whose process dies is no member, and its slot's next node gets another id"
    (let [{:keys [ops cluster]} (run 5 30 {:behaviour {:join! (fn [_ _] (throw (ex-info "n6 exited before listening" {})))}})
          joins (filter #(= :join (:f (first %))) (membership-pairs ops))]
      (is (seq joins))
      (is (every? (fn [[_ c]] (not (contains? (set (:members (:value c))) (:node (:value c))))) joins))
      (is (every? (fn [[_ c]] (re-find #"exited before listening" (:error (:value c)))) joins))
      (is (apply distinct? (map (comp :id :value first) joins)))))
  (testing "a member that stops along with a leaving node is collateral and no member"
    (let [sys (fake-system {:leave! (fn [procs p]
                                      (swap! procs disj (:node p))
                                      (swap! procs disj (first (remove #{(:node p)} (sort @procs))))
                                      {:exit 0})})
          rec (h/recorder (constantly 0))
          cluster (atom (m/cluster slots 5))
          ;; seed whose first plan is a leave
          seed (first (filter #(= :leave (:f (m/plan (java.util.Random. %) @cluster 3 false))) (range 100)))
          c (n/membership-change! sys #(h/record! rec %) cluster
                                  {:rng (java.util.Random. seed) :replication-factor 3 :fault-ms 10})]
      (is (= 1 (count (:collateral (:value c)))))
      (is (= 3 (count (:members (:value c)))))
      (is (not-any? (set (:collateral (:value c))) (:members @cluster))))))

(deftest history-records-membership-ops-as-jepsen-does
  (let [{:keys [ops]} (run 7 12 {:faults #{:membership :kill :partition}})
        nem (filter h/nemesis-op? ops)
        pairs (membership-pairs ops)]
    (is (every? #(= :info (:type %)) nem))
    (is (seq pairs))
    (doseq [[i c] pairs]
      (is (= (:f i) (:f c)) "invocation and completion alternate, same :f")
      (is (= #{:node :id :via} (disj (set (keys (:value i))) :join)))
      (is (= (:value i) (select-keys (:value c) (keys (:value i)))) "the completion keeps the plan")
      (is (= 10 (:settle-ms (:value c))))
      (is (vector? (:members (:value c)))))
    (testing "kill and partition act on the current members only"
      (let [members-at (fn [t] (or (:members (:value (last (filter #(and (h/membership-fs (:f %)) (<= (:time %) t))
                                                                     (map second pairs)))))
                                   (take 5 slots)))]
        (doseq [op nem :when (= :start-kill (:f op)) :when (vector? (:value op))]
          (is (every? (set (members-at (:time op))) (:value op))))
        (doseq [op nem :when (= :start-partition (:f op)) :when (map? (:value op))]
          (is (every? (set (members-at (:time op))) (keys (:grudge (:value op))))))))
    (testing "each change is a fault window: from its invocation to its completion + settle-ms"
      (let [ws (filter #(h/membership-fs (:fault %)) (h/fault-windows ops))]
        (is (= (count pairs) (count ws)))
        (doseq [[[i c] w] (map vector pairs ws)]
          (is (= (:time i) (:start w)))
          (is (= (min (+ (:time c) 10000000) (:time (last ops))) (:end w))))))))

(deftest node-command-names-the-id-and-every-join-target
  (let [nw (net/net {:prefix "rkv" :subnet "198.18.0" :node-count 4})
        test {:jar "/nonexistent.jar" :port 7001 :replication-factor 3 :cluster-name "c" :data-root (java.io.File. "/d")}
        argv (fn [& args] (vec (apply db/ringkv-command test nw args)))
        after (fn [v flag] (second (drop-while #(not= flag %) v)))]
    (testing "the first node joins nobody"
      (is (not (some #{"--join"} (argv "n1" {:join []})))))
    (testing "a rejoining node: a new id, its own data dir, every member as a seed"
      (let [v (argv "n3" {:id "n3b" :join ["n1" "n2" "n4"]})]
        (is (= "n3b" (after v "--id")))
        (is (= "/d/n3b" (after v "--data-dir")))
        (is (= "198.18.0.13" (after v "--host")) "the slot's address")
        (is (= "198.18.0.11:7001,198.18.0.12:7001,198.18.0.14:7001" (after v "--join")))))))
