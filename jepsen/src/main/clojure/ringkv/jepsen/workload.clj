(ns ringkv.jepsen.workload
  "Workloads: op generators, and clients that run an op against the Java client
  (io.ringkv.client.RingkvClient) and return its completion.

  Error semantics: a timeout (ours, or the node's TIMEOUT) or a broken
  connection after the request was sent is indeterminate, so :info; a definite
  refusal (UNAVAILABLE, BAD_REQUEST, LIMIT_EXCEEDED, ...) is :fail. A
  read-modify-write whose read fails never wrote anything, so it is :fail too.

  Values are EDN in UTF-8: a set sibling is a sorted vector of integers, a
  register or delete value is one integer."
  (:require [clojure.edn :as edn]
            [clojure.string :as str])
  (:import (io.ringkv.client RingkvClient ClientConfig RequestOptions CausalContext GetResult
                             RingkvException ClusterInfo$ReplicaState NoNodeReachableException VerifyResult)
           (io.ringkv.client NodeAddress)
           (io.ringkv.protocol ErrorCode)
           (java.nio.charset StandardCharsets)
           (java.util.concurrent CompletableFuture ExecutionException TimeoutException TimeUnit)))

;; ------------------------------------------------------------ encoding

(defn encode ^bytes [x] (.getBytes (pr-str x) StandardCharsets/UTF_8))

(defn decode
  "An integer or a vector of integers as we wrote it; anything else comes back
  as the raw string (and the checkers report it as unexpected)."
  [^bytes b]
  (let [s (String. b StandardCharsets/UTF_8)
        x (try (edn/read-string s) (catch Exception _ s))]
    (if (and (or (integer? x) (vector? x)) (= (str/trim s) (pr-str x))) x s)))

(defn kv-key ^bytes [workload k]
  (.getBytes (str "jepsen-" (name workload) "-" k) StandardCharsets/UTF_8))

(defn multiset-union
  "Union of sibling sets, keeping an element as many times as the sibling that
  holds it most often (so a duplicate inside one sibling stays visible)."
  [colls]
  (->> colls
       (map frequencies)
       (apply merge-with max {})
       (mapcat (fn [[x n]] (repeat n x)))
       (sort-by (fn [x] [(if (number? x) 0 1) (if (number? x) x 0) (str x)]))
       vec))

;; ------------------------------------------------------------- errors

(defn- unwrap [^Throwable t]
  (if (and (instance? ExecutionException t) (.getCause t)) (.getCause t) t))

(defn classify
  "The completion :type and :error for an exception thrown by a request."
  [^Throwable t]
  (let [t (unwrap t)]
    (cond
      (instance? TimeoutException t) [:info :timeout]
      (instance? NoNodeReachableException t) [:fail :no-node-reachable]
      (instance? RingkvException t)
      (let [code (.code ^RingkvException t)]
        ;; TIMEOUT and INDETERMINATE: the op may have taken effect (a write stored on some replica)
        [(if (#{ErrorCode/TIMEOUT ErrorCode/INDETERMINATE} code) :info :fail)
         (keyword (str/lower-case (str code)))])
      :else [:info (keyword (.getSimpleName (class t)))])))

(def verify-timeout-ms
  "How long a VERIFY may take: the client's own bound (it scans every node's store)."
  70000)

(defn- await! [^CompletableFuture f timeout-ms]
  (.get f (long (+ timeout-ms 1000)) TimeUnit/MILLISECONDS))

;; ------------------------------------------------------------- client

(defn connect
  "A client for one worker, seeded with every node (rotated by worker so
  workers spread over coordinators)."
  ^RingkvClient [{:keys [op-timeout-ms security]} hosts port worker]
  (let [n (count hosts)
        rot (take n (drop (mod worker n) (cycle hosts)))
        eps (mapv #(NodeAddress. ^String % (int port)) rot)]
    (RingkvClient/connect (cond-> (ClientConfig. eps 2000 (long op-timeout-ms) 1000 64)
                            security ((:client security))))))

(defn- opts ^RequestOptions [test r]
  (RequestOptions. (int (or r 0)) 0 (long (:op-timeout-ms test))))

(defn- get! [^RingkvClient c test workload k r]
  (let [^GetResult g (await! (.get c (kv-key workload k) (opts test r)) (:op-timeout-ms test))]
    {:values (mapv decode (.values g)) :context (.context g)}))

(defn- put! [^RingkvClient c test workload k v ^CausalContext ctx]
  (await! (.put c (kv-key workload k) (encode v) ctx (opts test nil)) (:op-timeout-ms test)))

(defn- delete! [^RingkvClient c test workload k ^CausalContext ctx]
  (await! (.delete c (kv-key workload k) ctx (opts test nil)) (:op-timeout-ms test)))

(defn- read-phase
  "Runs the read of a read-modify-write; on failure the op is a definite :fail."
  [c test workload k]
  (try {:ok (get! c test workload k nil)}
       (catch Throwable t
         {:fail (let [[_ e] (classify t)] e)})))

(defn invoke!
  "Runs op against the store; returns the completion op (without :index/:time)."
  [^RingkvClient c test workload op]
  (let [[k v] (:value op)]
    (case (:f op)
      :read
      (try (let [{:keys [values]} (get! c test workload k (:r op))
                 read (if (= workload :set) (multiset-union values) (vec (sort values)))]
             (assoc op :type :ok :value [k read]))
           (catch Throwable t (let [[ty e] (classify t)] (assoc op :type ty :error e))))

      (:add :write)
      (let [{:keys [ok fail]} (read-phase c test workload k)]
        (if fail
          (assoc op :type :fail :error [:read fail])
          (let [seen (:values ok)
                new (if (= workload :set)
                      (vec (sort (distinct (conj (into [] cat (filter sequential? seen)) v))))
                      v)
                seen-vals (if (= workload :set) nil (vec (sort (filter integer? seen))))]
            (try (put! c test workload k new (:context ok))
                 (cond-> (assoc op :type :ok)
                   seen-vals (assoc :seen seen-vals))
                 (catch Throwable t
                   (let [[ty e] (classify t)]
                     (cond-> (assoc op :type ty :error e)
                       seen-vals (assoc :seen seen-vals))))))))

      :delete
      (let [{:keys [ok fail]} (read-phase c test workload k)]
        (if fail
          (assoc op :type :fail :error [:read fail])
          (let [seen (vec (sort (filter integer? (:values ok))))]
            (try (delete! c test workload k (:context ok))
                 (assoc op :type :ok :seen seen)
                 (catch Throwable t
                   (let [[ty e] (classify t)] (assoc op :type ty :error e :seen seen)))))))

      :replicas
      (try (let [rs (await! (.where c (kv-key workload k)) (:op-timeout-ms test))]
             (assoc op :type :ok
                    :value [k (into (sorted-map)
                                    (for [^ClusterInfo$ReplicaState r rs]
                                      [(.nodeId r) {:answered (.answered r)
                                                    :role (.role r)
                                                    :values (vec (sort-by str (map decode (.values r))))
                                                    :tombstones (.tombstones r)}]))]))
           (catch Throwable t (let [[ty e] (classify t)] (assoc op :type ty :error e))))

      ;; VERIFY, an admin call over the whole ring (not a key): the placement checker's input
      :verify
      (try (let [^VerifyResult r (.get (.verify c) verify-timeout-ms TimeUnit/MILLISECONDS)]
             (assoc op :type :ok
                    :value {:keys (.keys r) :under-replicated (.underReplicated r) :misplaced (.misplaced r)
                            :unanswered (vec (sort (.unanswered r))) :truncated (.truncated r)}))
           (catch Throwable t (let [[ty e] (classify t)] (assoc op :type ty :error e)))))))

;; ---------------------------------------------------------- generators

(defn generator
  "A function of a Random returning the next op map {:f f :value [k v]};
  unique values come from a shared counter."
  [workload {:keys [key-count]}]
  (let [counter (atom 0)
        next! #(swap! counter inc)]
    (case workload
      :set (let [kc (or key-count 3)]
             (fn [^java.util.Random rng] {:f :add :value [(.nextInt rng kc) (next!)]}))
      :register (let [kc (or key-count 5)]
                  (fn [^java.util.Random rng]
                    (let [k (.nextInt rng kc)]
                      (if (< (.nextDouble rng) 0.5)
                        {:f :write :value [k (next!)]}
                        {:f :read :value [k nil]}))))
      :delete (let [kc (or key-count 8)]
                (fn [^java.util.Random rng]
                  (let [k (.nextInt rng kc) x (.nextDouble rng)]
                    (cond (< x 0.4) {:f :write :value [k (next!)]}
                          (< x 0.7) {:f :delete :value [k nil]}
                          :else {:f :read :value [k nil]})))))))

(defn keys-of
  "The keys a workload touches (for final reads and convergence polls)."
  [workload {:keys [key-count]}]
  (range (or key-count ({:set 3 :register 5 :delete 8} workload))))
