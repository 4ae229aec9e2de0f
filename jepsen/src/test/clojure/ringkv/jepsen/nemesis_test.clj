(ns ringkv.jepsen.nemesis-test
  (:require [clojure.test :refer [deftest is testing]]
            [clojure.set :as set]
            [ringkv.jepsen.history :as h]
            [ringkv.jepsen.nemesis :as n]))

(def nodes ["n1" "n2" "n3" "n4" "n5"])
(defn rng [] (java.util.Random. 42))

(defn sees
  "The nodes each node can still hear under a grudge (itself included)."
  [grudge]
  (into {} (for [x nodes] [x (set/difference (set nodes) (get grudge x #{}))])))

(defn symmetric? [grudge]
  (every? (fn [[a bs]] (every? #(contains? (get grudge % #{}) a) bs)) grudge))

(deftest halves-splits-in-two
  (let [g (n/halves (rng) nodes)
        comps (set (vals (sees g)))]
    (is (= 2 (count comps)))
    (is (= #{2 3} (set (map count comps))))
    (is (symmetric? g))))

(deftest isolate-one-cuts-a-single-node
  (let [g (n/isolate-one (rng) nodes)
        s (sees g)]
    (is (= 1 (count (filter #(= 1 (count %)) (vals s)))))
    (is (symmetric? g))))

(deftest majorities-ring-each-sees-a-distinct-majority
  (doseq [seed (range 10) size [5 7]]
    (let [ns (vec (take size (map #(str "n" %) (range 1 10))))
          g (n/majorities-ring (java.util.Random. seed) ns)
          s (into {} (for [x ns] [x (set/difference (set ns) (get g x))]))]
      (is (every? #(= (n/majority size) (count %)) (vals s)))
      (is (= size (count (set (vals s)))) "no two nodes see the same majority")
      (is (every? (fn [[x v]] (contains? v x)) s)))))

(deftest bridge-joins-two-halves-through-one-node
  (let [g (n/bridge (rng) nodes)
        s (sees g)
        b (first (for [[x v] s :when (= 5 (count v))] x))]
    (is (some? b) "the bridge node sees everyone")
    (is (= 4 (count g)))
    (is (not (contains? g b)))
    (is (symmetric? g))
    (is (every? #(= 3 (count %)) (vals (dissoc s b))))))

(deftest schedule-alternates-faults-and-heals
  (let [calls (atom [])
        t (atom 0)
        rec (h/recorder #(deref t))
        system {:partition! #(swap! calls conj [:partition %])
                :heal! #(swap! calls conj [:heal])
                :kill! #(swap! calls conj [:kill %])
                :start! #(swap! calls conj [:start %])
                :pause! #(swap! calls conj [:pause %])
                :resume! #(swap! calls conj [:resume %])
                :heal-all! #(swap! calls conj [:heal-all])}]
    (n/run-schedule! system #(h/record! rec %) nodes
                     {:faults #{:partition :kill :pause} :calm-ms 10 :fault-ms 10
                      :rng (rng) :sleep! #(swap! t + %) :done? #(>= @t 200)})
    (n/heal-all! system #(h/record! rec %))
    (let [ops (h/ops rec)
          windows (h/fault-windows ops)]
      (is (every? #(= :nemesis (:process %)) ops))
      (is (every? #(= :info (:type %)) ops))
      (is (= 10 (count windows)))
      (is (= #{3 4} (set (vals (frequencies (map :fault windows)))))
          "kinds take turns")
      (is (every? #(< (:start %) (:end %)) windows))
      (testing "every kill is followed by a restart of the same nodes, every pause by a resume"
        (let [c @calls]
          (is (= (frequencies (map second (filter #(= :kill (first %)) c)))
                 (frequencies (map second (filter #(= :start (first %)) c)))))
          (is (= (frequencies (map second (filter #(= :pause (first %)) c)))
                 (frequencies (map second (filter #(= :resume (first %)) c)))))
          (is (= [:heal-all] (last c)))))
      (is (= (:time (last ops)) (h/final-heal-time ops))))))
