(ns ringkv.jepsen.fake-store
  "An in-memory stand-in for a ringkv cluster behind the Java client interface,
  so the workers, workloads, history and checkers run end to end in a unit
  test. It keeps siblings the DVV way (a write replaces exactly the siblings
  whose dots its context saw) or, with lww? true, keeps only the last write,
  the way --unsafe-last-write-wins breaks a node on purpose."
  (:require [clojure.edn :as edn])
  (:import (io.ringkv.client RingkvClient CausalContext GetResult PutResult DeleteResult
                             ClusterInfo$ReplicaState VerifyResult)
           (io.ringkv.client NodeAddress)
           (java.nio.charset StandardCharsets)
           (java.util.concurrent CompletableFuture)))

(defn store [lww?] {:lww? lww? :data (atom {}) :dots (atom 0)})

(defn- ctx->dots [^CausalContext c]
  (if (.isNone c) #{} (edn/read-string (String. (.bytes c) StandardCharsets/UTF_8))))

(defn- dots->ctx [dots]
  (CausalContext/of (.getBytes (pr-str (set dots)) StandardCharsets/UTF_8)))

(defn- jitter [] (Thread/sleep (long (rand-int 3))))

(defn- write! [{:keys [lww? data dots]} ^bytes key value ^CausalContext ctx]
  (let [k (String. key StandardCharsets/UTF_8)
        seen (ctx->dots ctx)
        dot (swap! dots inc)]
    (swap! data update k
           (fn [sibs] (if lww?
                        [{:dot dot :value value}]
                        (conj (vec (remove #(seen (:dot %)) sibs)) {:dot dot :value value}))))
    dot))

(defn client ^RingkvClient [{:keys [data] :as s}]
  (reify RingkvClient
    (get [_ key _opts]
      (jitter)
      (let [sibs (get @data (String. ^bytes key StandardCharsets/UTF_8))]
        (CompletableFuture/completedFuture
         (GetResult. (vec (keep :value sibs)) (dots->ctx (map :dot sibs)) 3))))
    (put [_ key value ctx _opts]
      (jitter)
      (write! s key value ctx)
      (CompletableFuture/completedFuture (PutResult. true 2 CausalContext/NONE)))
    (delete [_ key ctx _opts]
      (jitter)
      (write! s key nil ctx)
      (CompletableFuture/completedFuture (DeleteResult. true 2)))
    (where [_ key]
      (let [sibs (get @data (String. ^bytes key StandardCharsets/UTF_8))
            state (fn [n] (ClusterInfo$ReplicaState. n (NodeAddress. "198.18.0.11" 7001) "primary" true
                                                     (vec (keep :value sibs)) (count (remove :value sibs))))]
        (CompletableFuture/completedFuture (mapv state ["n1" "n2" "n3"]))))
    (verify [_]
      ;; one store holds everything: every key is on exactly its owners
      (CompletableFuture/completedFuture (VerifyResult. (count @data) 0 0 [] false)))
    (close [_])))
