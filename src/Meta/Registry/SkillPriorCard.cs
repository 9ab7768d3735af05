using OfflineSafety.Meta.Safer;

namespace OfflineSafety.Meta.Registry;

/// <summary>
/// What a skill prior's model.json records beside the common fields: enough to rebuild the flow
/// and the context posterior from weights.safetensors, and the latent safety bound eta with the
/// unsafe fraction it was calibrated for.
/// </summary>
public sealed record SkillPriorCard(
    PriorVariant Variant,
    int StateSize,
    int ActionSize,
    int ContextSize,
    int WindowLength,
    int Couplings,
    int[] FlowHidden,
    float LogScaleBound,
    ContextEncoderKind Encoder,
    int EncoderWidth,
    float SafetyBound,
    float UnsafeBound);
