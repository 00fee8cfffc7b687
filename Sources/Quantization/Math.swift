import RealModule

/// Thin wrappers over the elementary functions, so kernels call one unambiguous `Double` function.
///
/// They forward to the platform math library through swift-numerics; results are deterministic for a
/// given build and machine and do not depend on threading.
enum Math {
    @inline(__always) static func log(_ x: Double) -> Double { Double.log(x) }
    @inline(__always) static func log1p(_ x: Double) -> Double { Double.log(onePlus: x) }
    @inline(__always) static func exp(_ x: Double) -> Double { Double.exp(x) }
    @inline(__always) static func expm1(_ x: Double) -> Double { Double.expMinusOne(x) }
    @inline(__always) static func sin(_ x: Double) -> Double { Double.sin(x) }
    @inline(__always) static func cos(_ x: Double) -> Double { Double.cos(x) }
    @inline(__always) static func atan2(_ y: Double, _ x: Double) -> Double { Double.atan2(y: y, x: x) }
}
