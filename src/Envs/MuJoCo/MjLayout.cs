namespace OfflineSafety.Envs.MuJoCo;

/// <summary>
/// Byte offsets of the few mjModel, mjData and mjVFS fields the environments read, for MuJoCo
/// 2.2.2 on a 64-bit ABI (mjtNum = double, 8-byte pointers), worked out from
/// /usr/include/mujoco/mjdata.h and mjmodel.h of Debian's libmujoco-dev 2.2.2. 2.2.2 exports no
/// field accessors, so the offsets are the binding; <see cref="MuJoCoSimulation"/> checks them
/// against each mjData it makes (the state arrays must lie in mjData.buffer in header order on
/// 64-byte boundaries),
/// and the library refuses any other mj_version().
/// </summary>
internal static unsafe class MjLayout
{
    // mjModel starts with its int sizes: nq, nv, nu, ...
    public const int ModelNq = 0, ModelNv = 4, ModelNu = 8, ModelNa = 12;

    // mjData: 6 ints (24) | mjWarningStat[8] (2 ints each: 64) | mjTimerStat[13] (double + int,
    // padded to 16: 208) | mjSolverStat[1000] (3 doubles + 4 ints = 40: 40,000) | solver_iter,
    // solver_nnz (8) | solver_fwdinv[2] (16) | ne, nf, nefc, ncon (16) | time (8) | energy[2] (16)
    // = 40,360, where the pointers begin: buffer, stack, qpos, qvel, act, qacc_warmstart, ctrl.
    public const int DataNbuffer = 4;
    public const int DataNcon = 40_332;
    public const int DataTime = 40_336;
    public const int DataBuffer = 40_360;
    public const int DataQpos = 40_376;
    public const int DataQvel = 40_384;
    public const int DataAct = 40_392;
    public const int DataQaccWarmstart = 40_400;
    public const int DataCtrl = 40_408;

    // Pointer fields computed by mj_kinematics (read by the tests' cross-checks): xpos follows
    // mocap_pos, mocap_quat, qacc, act_dot, userdata, sensordata; geom_xpos follows xpos, xquat,
    // xmat, xipos, ximat, xanchor, xaxis; geom_xmat follows geom_xpos.
    public const int DataXpos = 40_480;
    public const int DataGeomXpos = 40_536;
    public const int DataGeomXmat = 40_544;

    // mjVFS: int nfile | char filename[2000][1000] | int filesize[2000] | (pad 4) void* filedata[2000].
    public const int VfsFileSizes = 4 + 2000 * 1000;
    public const int VfsFileDatas = VfsFileSizes + 2000 * 4 + 4;
    public const int VfsSize = VfsFileDatas + 2000 * 8;

    public static int ModelInt(void* model, int offset) => *(int*)((byte*)model + offset);

    public static int DataInt(void* data, int offset) => *(int*)((byte*)data + offset);

    public static double DataDouble(void* data, int offset) => *(double*)((byte*)data + offset);

    public static void SetDataDouble(void* data, int offset, double value) => *(double*)((byte*)data + offset) = value;

    public static double* DataArray(void* data, int offset) => *(double**)((byte*)data + offset);

    public static byte* DataPointer(void* data, int offset) => *(byte**)((byte*)data + offset);

    public static int VfsFileSize(void* vfs, int index) => *(int*)((byte*)vfs + VfsFileSizes + 4 * index);

    public static byte* VfsFileData(void* vfs, int index) => *(byte**)((byte*)vfs + VfsFileDatas + 8 * index);
}
