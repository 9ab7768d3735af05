namespace OfflineSafety.Envs.MuJoCo;

/// <summary>
/// One mjData of a compiled model: the state arrays as spans over MuJoCo's own memory (no copies,
/// no allocation per step), reset and step. Not thread-safe, like the environments that own it.
/// </summary>
public sealed unsafe class MuJoCoSimulation
{
    private readonly MuJoCoModelHandle _model;
    private readonly void* _data;
    private readonly double* _qpos;
    private readonly double* _qvel;
    private readonly double* _ctrl;
    private readonly double* _act;
    private readonly double* _qaccWarmstart;
    private readonly int _na;
    private readonly double[] _qpos0;

    public MuJoCoSimulation(MuJoCoModelHandle model)
    {
        _model = model;
        Nq = model.Nq;
        Nv = model.Nv;
        Nu = model.Nu;
        _data = model.Library.MakeData(model.Pointer);
        if (_data == null) throw new InvalidOperationException("mj_makeData returned null (out of memory?)");
        _qpos = MjLayout.DataArray(_data, MjLayout.DataQpos);
        _qvel = MjLayout.DataArray(_data, MjLayout.DataQvel);
        _ctrl = MjLayout.DataArray(_data, MjLayout.DataCtrl);
        _act = MjLayout.DataArray(_data, MjLayout.DataAct);
        _qaccWarmstart = MjLayout.DataArray(_data, MjLayout.DataQaccWarmstart);
        _na = model.Na;
        CheckLayout(_na);
        model.Library.ResetData(model.Pointer, _data);
        _qpos0 = Qpos.ToArray();
    }

    ~MuJoCoSimulation() => _model.Library.DeleteData(_data);

    public int Nq { get; }
    public int Nv { get; }
    public int Nu { get; }

    public Span<double> Qpos => new(_qpos, Nq);
    public Span<double> Qvel => new(_qvel, Nv);
    public Span<double> Ctrl => new(_ctrl, Nu);

    /// <summary>mjData.time in seconds.</summary>
    public double Time => MjLayout.DataDouble(_data, MjLayout.DataTime);

    /// <summary>Contacts found by the last collision pass (mjData.ncon).</summary>
    public int ContactCount => MjLayout.DataInt(_data, MjLayout.DataNcon);

    /// <summary>
    /// The state mj_resetData leaves: the model's qpos0, zero velocity, activation, controls, solver
    /// warm-start and time. Written field by field rather than by mj_resetData, which clears the
    /// whole multi-megabyte buffer and cost more than the steps of a short cart-pole episode. These
    /// are all the inputs mj_step reads from one call to the next (the models have no mocap bodies,
    /// user data or applied forces), so an episode depends only on its start.
    /// </summary>
    public void Reset()
    {
        _qpos0.CopyTo(Qpos);
        Qvel.Clear();
        Ctrl.Clear();
        new Span<double>(_act, _na).Clear();
        new Span<double>(_qaccWarmstart, Nv).Clear();
        MjLayout.SetDataDouble(_data, MjLayout.DataTime, 0);
        GC.KeepAlive(this);
    }

    /// <summary><paramref name="substeps"/> calls of mj_step with the controls held.</summary>
    public void Step(int substeps)
    {
        for (int i = 0; i < substeps; i++) _model.Library.Step(_model.Pointer, _data);
        GC.KeepAlive(this); // the finaliser frees _data: not while MuJoCo is using it
    }

    /// <summary>mj_forward: positions, velocities and contacts of the current state, without advancing.</summary>
    public void Forward()
    {
        _model.Library.Forward(_model.Pointer, _data);
        GC.KeepAlive(this);
    }

    /// <summary>World position of body <paramref name="body"/> (mjData.xpos) as of the last forward pass.</summary>
    public ReadOnlySpan<double> BodyPosition(int body) => new(MjLayout.DataArray(_data, MjLayout.DataXpos) + 3 * body, 3);

    /// <summary>World position of geom <paramref name="geom"/> (mjData.geom_xpos) as of the last forward pass.</summary>
    public ReadOnlySpan<double> GeomPosition(int geom) => new(MjLayout.DataArray(_data, MjLayout.DataGeomXpos) + 3 * geom, 3);

    /// <summary>Orientation of geom <paramref name="geom"/> (mjData.geom_xmat, row-major 3 x 3: column k is the geom's local axis k in world coordinates) as of the last forward pass.</summary>
    public ReadOnlySpan<double> GeomRotation(int geom) => new(MjLayout.DataArray(_data, MjLayout.DataGeomXmat) + 9 * geom, 9);

    // mj_makeData carves every array out of one buffer in mjxmacro order, each on a 64-byte
    // boundary: qpos (nq), qvel (nv), act (na), qacc_warmstart (nv), ctrl (nu). If the offsets were
    // wrong these pointers would not line up so.
    private void CheckLayout(int na)
    {
        static long Aligned(long bytes) => (bytes + 63) / 64 * 64;
        byte* buffer = MjLayout.DataPointer(_data, MjLayout.DataBuffer);
        long size = MjLayout.DataInt(_data, MjLayout.DataNbuffer);
        byte* qpos = (byte*)_qpos, qvel = (byte*)_qvel, ctrl = (byte*)_ctrl;
        bool lined = buffer != null && qpos == buffer
            && qvel == qpos + Aligned(8L * Nq)
            && (byte*)_act == qvel + Aligned(8L * Nv)
            && (byte*)_qaccWarmstart == (byte*)_act + Aligned(8L * na)
            && ctrl == (byte*)_qaccWarmstart + Aligned(8L * Nv)
            && ctrl + 8L * Nu <= buffer + size;
        if (!lined || Time != 0)
            throw new InvalidOperationException($"{_model.Library.Name}: mjData's layout does not match MuJoCo 2.2.2's (qpos, qvel, ctrl are not where the 2.2.2 headers put them: buffer +{(long)(qpos - buffer)}, +{(long)(qvel - buffer)}, +{(long)(ctrl - buffer)} of {size} bytes, time {Time})");
    }
}
