(ns ringkv.jepsen.workload-test
  (:require [clojure.test :refer [deftest is testing]]
            [clojure.tools.cli]
            [ringkv.jepsen.core :as core]
            [ringkv.jepsen.workload :as wl])
  (:import (io.ringkv.client RingkvException NoNodeReachableException)
           (io.ringkv.protocol ErrorCode)
           (java.util.concurrent ExecutionException TimeoutException)))

(deftest values-round-trip-as-edn
  (is (= [1 2 3] (wl/decode (wl/encode [1 2 3]))))
  (is (= 7 (wl/decode (wl/encode 7))))
  (is (= "not edn {" (wl/decode (.getBytes "not edn {" "UTF-8")))))

(deftest sibling-sets-merge-by-union
  (is (= [1 2 3 4] (wl/multiset-union [[1 2] [2 3] [4]])))
  (testing "a duplicate inside one sibling stays visible to the set checker"
    (is (= [1 1 2] (wl/multiset-union [[1 1] [1 2]]))))
  (is (= [] (wl/multiset-union []))))

(deftest errors-are-classified
  (is (= [:info :timeout] (wl/classify (TimeoutException.))))
  (is (= [:info :timeout] (wl/classify (ExecutionException. (RingkvException. ErrorCode/TIMEOUT "slow")))))
  (is (= [:fail :unavailable] (wl/classify (ExecutionException. (RingkvException. ErrorCode/UNAVAILABLE "1 of 2")))))
  (is (= [:info :indeterminate] (wl/classify (RingkvException. ErrorCode/INDETERMINATE "1 of 2; may be stored"))))
  (is (= [:fail :bad_request] (wl/classify (RingkvException. ErrorCode/BAD_REQUEST "no"))))
  (is (= [:fail :no-node-reachable] (wl/classify (NoNodeReachableException. "down"))))
  (testing "a connection that breaks after sending is indeterminate"
    (is (= :info (first (wl/classify (java.io.IOException. "reset")))))))

(deftest generators-make-unique-values
  (doseq [w [:set :register :delete]]
    (let [g (wl/generator w {}) rng (java.util.Random. 3)
          ops (repeatedly 200 #(g rng))
          written (keep #(when (#{:add :write} (:f %)) (second (:value %))) ops)]
      (is (seq written))
      (is (= (count written) (count (set written))))
      (is (every? #(contains? (set (wl/keys-of w {})) (first (:value %))) ops)))))

(deftest cli-parses-the-documented-options
  (let [{:keys [options errors]} (clojure.tools.cli/parse-opts
                                  ["--workload" "register" "--nemesis" "partition,kill,pause"
                                   "--time-limit" "30" "--nodes" "3" "--concurrency" "4" "--unsafe-last-write-wins"]
                                  core/cli-options)]
    (is (nil? errors))
    (is (= :register (:workload options)))
    (is (= #{:partition :kill :pause} (:nemesis options)))
    (is (= [30 3 4 true] ((juxt :time-limit :nodes :concurrency :unsafe-last-write-wins) options)))
    (is (= "ringkv-register-kill+partition+pause-lww" (core/test-name options))))
  (is (seq (:errors (clojure.tools.cli/parse-opts ["--nemesis" "meteor"] core/cli-options)))))

(deftest cli-membership-and-placement-options
  (let [parse #(clojure.tools.cli/parse-opts % core/cli-options)
        {:keys [options errors]} (parse ["--workload" "delete" "--nemesis" "membership,partition,kill"
                                         "--spare-nodes" "2" "--placement-bound" "90"])]
    (is (nil? errors))
    (is (= #{:membership :partition :kill} (:nemesis options)))
    (is (= [2 90 120] ((juxt :spare-nodes :placement-bound :membership-timeout) options)))
    (is (= "ringkv-delete-kill+membership+partition" (core/test-name options)))
    (testing "placement counts by default for under-replication only, and only when membership changes"
      (is (nil? (:check-placement options)))
      (is (= :strict (core/placement-mode options [])))
      (is (= :off (core/placement-mode (:options (parse [])) [])))
      (is (= :strict (core/placement-mode (:options (parse [])) [{:process :nemesis :type :info :f :leave}]))
          "a rechecked history with membership ops")
      (is (= :strict (core/placement-mode (:options (parse ["--check-placement"])) [])))
      (is (= :off (core/placement-mode (:options (parse ["--nemesis" "membership" "--no-check-placement"])) []))))
    (is (= {:bound-ms 30000 :min-availability 0.0 :strict? nil :placement :strict :placement-bound-ms 90000}
           (core/check-opts options [])))))

(deftest verify-becomes-a-placement-op
  (let [c (reify io.ringkv.client.RingkvClient
            (verify [_] (java.util.concurrent.CompletableFuture/completedFuture
                         (io.ringkv.client.VerifyResult. 12 1 3 ["n4" "n2"] false))))]
    (is (= {:f :verify :value {:keys 12 :under-replicated 1 :misplaced 3 :unanswered ["n2" "n4"] :truncated false}
            :type :ok}
           (wl/invoke! c {:op-timeout-ms 1000} :set {:f :verify :value nil})))))
