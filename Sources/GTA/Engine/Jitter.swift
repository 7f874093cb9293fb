extension Duration {
    /// This duration stretched by a random 0-20%, so that instances do not act in step.
    func jittered() -> Duration {
        self * Double.random(in: 1.0...1.2)
    }

    /// Whole seconds as a `TimeInterval`, for date arithmetic.
    var timeInterval: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
