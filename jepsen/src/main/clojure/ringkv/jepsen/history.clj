(ns ringkv.jepsen.history
  "A history in Jepsen's operation format, recorded while a test runs.

  Every op is a map {:index i :time ns-since-start :type :invoke|:ok|:fail|:info
  :process p :f f :value v}; clients use integer processes with one op in flight
  each, the nemesis uses :process :nemesis. Ops may carry extra keys (Jepsen
  ignores unknown keys): ours are :error on failures and :seen (the values a
  write's or delete's causal context had observed)."
  (:require [clojure.edn :as edn]
            [clojure.java.io :as io]
            [clojure.pprint :as pprint]))

(defn recorder
  "A fresh recorder. The clock is an input so tests can use a fake one; the
  default one counts from the recorder's creation or from `restart-clock!`."
  ([] (let [t0 (atom (System/nanoTime))]
        (assoc (recorder #(- (System/nanoTime) @t0)) :t0 t0)))
  ([clock] {:clock clock :ops (atom []) :lock (Object.)}))

(defn restart-clock!
  "Makes :time count from now (Jepsen's times start with the workload, not
  with cluster setup). Only before the first op."
  [rec]
  (assert (empty? @(:ops rec)) "restart-clock! after ops were recorded")
  (when-let [t0 (:t0 rec)] (reset! t0 (System/nanoTime))))

(defn now [rec] ((:clock rec)))

(defn record!
  "Appends op with the next :index and the current :time; returns the stored op."
  [rec op]
  (locking (:lock rec)
    (let [ops (:ops rec)
          op  (assoc op :index (count @ops) :time (now rec))]
      (swap! ops conj op)
      op)))

(defn ops [rec] @(:ops rec))

(defn write-edn!
  "Writes the history as one EDN vector, one op per line, readable by Jepsen's
  jepsen.store / jepsen.history loaders."
  [history file]
  (io/make-parents file)
  (with-open [w (io/writer file)]
    (binding [*out* w *print-length* nil *print-level* nil]
      (println "[")
      (doseq [op history] (prn op))
      (println "]"))))

(defn read-edn [file]
  (edn/read-string (slurp file)))

(defn write-results! [results file]
  (io/make-parents file)
  (with-open [w (io/writer file)]
    (binding [*out* w *print-length* nil *print-level* nil]
      (pprint/pprint results))))

;; ---------------------------------------------------------------- queries

(defn client-op? [op] (integer? (:process op)))
(defn nemesis-op? [op] (= :nemesis (:process op)))

(defn pairs
  "Pairs each client invocation with its completion: a seq of [invoke complete],
  complete nil when the op never completed (crashed process at end of test)."
  [history]
  (loop [ops (filter client-op? history) open {} out []]
    (if-let [op (first ops)]
      (let [p (:process op)]
        (if (= :invoke (:type op))
          (recur (rest ops) (assoc open p (count out)) (conj out [op nil]))
          (if-let [i (get open p)]
            (recur (rest ops) (dissoc open p) (assoc-in out [i 1] op))
            (recur (rest ops) open out))))
      out)))

(def membership-fs
  "Nemesis :f values of membership changes (Jepsen's membership packages use the same)."
  #{:leave :join :remove})

(defn membership-windows
  "A membership change (:leave, :join, :remove) is a fault window from its
  invocation to its completion plus the :settle-ms its completion's :value
  names (the fault period in which the cluster streams and repairs), cut at a
  later :heal-all. Returns [{:fault :leave :start t0 :end t1 :value v}]."
  [history]
  (let [nem (partition 2 (filter nemesis-op? history))
        heals (keep (fn [[_ c]] (when (= :heal-all (:f c)) (:time c))) nem)
        end-time (or (:time (last history)) 0)]
    (vec (for [[inv c] nem
               :when (membership-fs (:f c))
               :let [settled (+ (:time c) (* 1000000 (or (:settle-ms (:value c)) 0)))
                     heal (first (filter #(>= % (:time c)) heals))]]
           {:fault (:f c) :start (:time inv) :end (min settled (or heal end-time))
            :value (:value c)}))))

(defn fault-windows
  "Fault windows from nemesis ops: each :start-X completion opens a window that
  the next :stop-X (or :heal-all) completion closes; a membership change is a
  window of its own (membership-windows). Returns
  [{:fault :partition :start t0 :end t1 :value v}], times in ns; a window never
  closed ends at the last op's time."
  [history]
  (let [end-time (or (:time (last history)) 0)
        ;; nemesis ops come in pairs (invocation, completion), both :info as in
        ;; Jepsen; the completion carries what was done and when it took effect.
        nem (map second (partition 2 (filter nemesis-op? history)))
        fault-of (fn [f] (let [n (name f)]
                           (cond (.startsWith n "start-") (keyword (subs n 6))
                                 (.startsWith n "stop-") (keyword (subs n 5)))))
        [open done]
        (reduce (fn [[open done] op]
                  (let [f (:f op) n (name f) fault (fault-of f)]
                    (cond
                      (.startsWith n "start-")
                      [(assoc open fault {:fault fault :start (:time op) :value (:value op)}) done]
                      (.startsWith n "stop-")
                      (if-let [w (get open fault)]
                        [(dissoc open fault) (conj done (assoc w :end (:time op)))]
                        [open done])
                      (= f :heal-all)
                      [{} (into done (map #(assoc % :end (:time op)) (vals open)))]
                      :else [open done])))
                [{} []] nem)]
    (vec (sort-by :start (concat (into done (map #(assoc % :end end-time) (vals open)))
                                 (membership-windows history))))))

(defn final-heal-time
  "The :time of the final :heal-all nemesis completion, or nil."
  [history]
  (some #(when (= :heal-all (:f %)) (:time %))
        (reverse (map second (partition 2 (filter nemesis-op? history))))))
