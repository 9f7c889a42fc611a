/// `customerStatus` of a customer record (seed).
public enum CustomerStatus: String, APIEnum, Documented {
    case new, contacted, qualified, active, inactive, vip
}
