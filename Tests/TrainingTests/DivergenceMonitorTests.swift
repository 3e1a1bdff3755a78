import Testing
@testable import Training

/// The runaway-loss and collapsed-prediction watch, and the rate it advises.
@Suite struct DivergenceMonitorTests {
    @Test func aLossThatRunsAwayIsCaughtWithTheRateAtWhichItTookOff() {
        var m = DivergenceMonitor(totalSteps: 1000)
        #expect(m.record(loss: 0.69, learningRate: 1e-4) == nil)  // the first step: the early level
        var caught: Double?
        var step = 0
        // The rate climbs (warmup); the loss follows it up from step 10 on.
        while caught == nil && step < 200 {
            step += 1
            let lr = 0.05 * Double(step)
            let loss = step < 10 ? 0.6 : 0.6 + Double(step - 10)
            caught = m.record(loss: loss, learningRate: lr)
        }
        let takeoff = try! #require(caught)
        #expect(step < 60, "caught only at step \(step)")
        // The smoothed loss crossed 1.5× the early level a few steps after the loss started rising.
        #expect(takeoff > 0.5 && takeoff < 1.0, "\(takeoff)")
        #expect(DivergenceMonitor.advisedRate(after: takeoff) == 1e-3)
        #expect(DivergenceMonitor.advisedRate(after: 5e-3) == 5e-4)
        #expect(DivergenceMonitor.advisedRate(after: 6.95e8) == 1e-3)  // not 6.95e7, which diverges too
    }

    @Test func aLossThatFallsOrWobblesIsLeftAlone() {
        var m = DivergenceMonitor(totalSteps: 1000)
        for step in 0..<1000 {
            let loss = 0.69 * (1 - Double(step) / 2000) + (step % 7 == 0 ? 0.8 : 0)  // falling, with spikes
            let verdict = m.record(loss: loss, learningRate: 1e-3)
            #expect(verdict == nil)
        }
        // A brief excursion far up does not count: it must last.
        var n = DivergenceMonitor(totalSteps: 100)
        _ = n.record(loss: 0.7, learningRate: 1e-3)
        var alarms = 0
        for _ in 0..<5 { if n.record(loss: 50, learningRate: 1e-3) != nil { alarms += 1 } }
        for _ in 0..<100 { if n.record(loss: 0.5, learningRate: 1e-3) != nil { alarms += 1 } }
        #expect(alarms == 0)
    }

    @Test func predictionsCollapsedForThreeEvaluationsAreAdvisedOnce() {
        var m = DivergenceMonitor(totalSteps: 100)
        let answers = [m.record(predictedClasses: 1, classes: 2), m.record(predictedClasses: 1, classes: 2),
                       m.record(predictedClasses: 1, classes: 2), m.record(predictedClasses: 1, classes: 2),
                       m.record(predictedClasses: 2, classes: 2)]
        // Advised at the third collapsed evaluation, once, not at every evaluation after.
        #expect(answers == [false, false, true, false, false])
        #expect(m.collapsedEvaluations == 0)
    }
}
