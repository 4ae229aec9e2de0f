(ns ringkv.jepsen.history-test
  (:require [clojure.test :refer [deftest is]]
            [clojure.java.io :as io]
            [ringkv.jepsen.history :as h]))

(deftest records-jepsen-ops
  (let [t (atom 0)
        rec (h/recorder #(swap! t + 10))]
    (h/record! rec {:type :invoke :process 0 :f :add :value [:a 1]})
    (h/record! rec {:type :info :process :nemesis :f :start-partition :value nil})
    (h/record! rec {:type :ok :process 0 :f :add :value [:a 1]})
    (let [ops (h/ops rec)]
      (is (= [0 1 2] (map :index ops)))
      (is (= [10 20 30] (map :time ops)))
      (is (= [[{:type :invoke :process 0 :f :add :value [:a 1] :index 0 :time 10}
               {:type :ok :process 0 :f :add :value [:a 1] :index 2 :time 30}]]
             (h/pairs ops)))
      (let [f (java.io.File/createTempFile "history" ".edn")]
        (try
          (h/write-edn! ops f)
          (is (= ops (h/read-edn f)))
          (finally (io/delete-file f true)))))))

(deftest fault-windows
  (let [h [{:index 0 :time 0 :process :nemesis :type :info :f :start-kill :value nil}
           {:index 1 :time 5 :process :nemesis :type :info :f :start-kill :value ["n1"]}
           {:index 2 :time 7 :process :nemesis :type :info :f :start-pause :value nil}
           {:index 3 :time 9 :process :nemesis :type :info :f :start-pause :value ["n2"]}
           {:index 4 :time 12 :process 0 :type :invoke :f :add :value [:a 1]}
           {:index 5 :time 15 :process :nemesis :type :info :f :stop-kill :value nil}
           {:index 6 :time 20 :process :nemesis :type :info :f :stop-kill :value ["n1"]}
           {:index 7 :time 25 :process :nemesis :type :info :f :heal-all :value nil}
           {:index 8 :time 30 :process :nemesis :type :info :f :heal-all :value nil}]]
    (is (= [{:fault :kill :start 5 :end 20 :value ["n1"]}
            {:fault :pause :start 9 :end 30 :value ["n2"]}]
           (h/fault-windows h)))
    (is (= 30 (h/final-heal-time h)))))
