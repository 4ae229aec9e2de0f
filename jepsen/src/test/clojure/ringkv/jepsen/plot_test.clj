(ns ringkv.jepsen.plot-test
  (:require [clojure.test :refer [deftest is]]
            [clojure.java.io :as io]
            [clojure.string :as str]
            [ringkv.jepsen.plot :as plot]))

(def history
  [{:index 0 :time 0 :process 0 :type :invoke :f :add :value [0 1]}
   {:index 1 :time 2000000 :process 0 :type :ok :f :add :value [0 1]}
   {:index 2 :time 1000000000 :process :nemesis :type :info :f :start-kill :value nil}
   {:index 3 :time 1100000000 :process :nemesis :type :info :f :start-kill :value ["n1"]}
   {:index 4 :time 1200000000 :process 0 :type :invoke :f :add :value [0 2]}
   {:index 5 :time 1300000000 :process 0 :type :fail :f :add :value [0 2]}
   {:index 6 :time 2000000000 :process :nemesis :type :info :f :stop-kill :value nil}
   {:index 7 :time 2100000000 :process :nemesis :type :info :f :stop-kill :value ["n1"]}])

(deftest script-shades-fault-windows
  (let [s (plot/script history)]
    (is (str/includes? s "rect from 1.100, graph 0 to 2.100"))
    (is (= [[0 1.0] [1 0.0]] (vec (plot/availability-series history))))))

(deftest draws-a-png-when-gnuplot-is-there
  (let [dir (doto (io/file (System/getProperty "java.io.tmpdir") (str "rkv-plot-" (System/nanoTime))) .mkdirs)
        r (plot/plot! history dir)]
    (if (:error r)
      (println "SKIP png check:" (:error r))
      (is (pos? (.length (io/file (:file r))))))))

(deftest membership-changes-are-shaded-in-their-own-colour
  (let [s (plot/script (conj history
                             {:index 8 :time 3000000000 :process :nemesis :type :info :f :leave :value {:node "n2"}}
                             {:index 9 :time 3500000000 :process :nemesis :type :info :f :leave
                              :value {:node "n2" :settle-ms 1000}}))]
    (is (str/includes? s "rect from 3.000, graph 0 to 3.500, graph 1 fc rgb '#d9ead3'")
        "cut at the last op: the settle period would end at 4.5 s")))
